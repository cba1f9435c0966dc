/** The example's own routes, the same on every runtime: a todo list on the in-process client. */
import { Hono } from 'hono'
import type { Client } from 'raftlite'

export async function todoRoutes(db: Client): Promise<Hono> {
  await db.execute('CREATE TABLE IF NOT EXISTS todos (id INTEGER PRIMARY KEY, title TEXT NOT NULL, done BOOLEAN NOT NULL DEFAULT 0)')
  const routes = new Hono()
  routes.get('/', async (c) => {
    const rs = await db.query('SELECT id, title, done FROM todos ORDER BY id')
    return c.json(rs.rows.map((r) => ({ id: r.id, title: r.title, done: r.done === 1 })))
  })
  routes.post('/', async (c) => {
    const { title } = await c.req.json<{ title?: unknown }>()
    if (typeof title !== 'string' || title.trim() === '') return c.json({ error: 'title must be a non-empty string' }, 400)
    const rs = await db.execute({ sql: 'INSERT INTO todos(title) VALUES (?)', args: [title] })
    return c.json({ id: Number(rs.lastInsertRowid), title, done: false }, 201)
  })
  routes.post('/:id/done', async (c) => {
    const rs = await db.execute({ sql: 'UPDATE todos SET done = 1 WHERE id = ?', args: [Number(c.req.param('id'))] })
    return rs.rowsAffected === 1 ? c.body(null, 204) : c.json({ error: 'no such todo' }, 404)
  })
  return routes
}
