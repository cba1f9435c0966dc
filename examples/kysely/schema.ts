/** The Kysely example's database types (what the migrations below create). */
import type { Generated } from 'kysely'

export interface Database {
  authors: { id: Generated<number>; name: string; active: Generated<number> }
  posts: { id: Generated<number>; author_id: number; title: string; views: Generated<number> }
}
