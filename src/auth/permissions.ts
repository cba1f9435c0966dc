/** rqlite's permissions, as named in a users file (`-auth`). */
export const PERMISSIONS = [
  'all',
  'execute',
  'query',
  'load',
  'backup',
  'status',
  'ready',
  'join',
  'join-read-only',
  'remove',
  'leader-ops',
  'snapshot',
  'ui',
] as const

export type Permission = (typeof PERMISSIONS)[number]

/** rqlite v10's alias of `join-read-only`. */
const ALIASES: Record<string, Permission> = { 'join-read-replica': 'join-read-only' }

/** The permission a name in a users file stands for, or null when it names none. */
export function permissionNamed(name: string): Permission | null {
  if ((PERMISSIONS as readonly string[]).includes(name)) return name as Permission
  return ALIASES[name] ?? null
}
