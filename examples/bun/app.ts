/**
 * A Hono app on Bun with a raftlite node inside it.
 *   DATA_DIR=./todo-data PORT=3000 bun examples/bun/app.ts
 * Your routes use the in-process client; the rqlite-compatible API is mounted at /raftlite,
 * behind your own middleware.
 */
import { Hono } from 'hono'
import { startNode } from 'raftlite/bun'
import { todoRoutes } from '../shared/todo-routes.ts'

const node = await startNode({ dataDir: process.env.DATA_DIR ?? './todo-data' })
const app = new Hono()
app.use('/raftlite/*', async (c, next) => {
  // Your auth here: the database API is only for callers you trust.
  if (c.req.header('x-api-key') !== (process.env.API_KEY ?? 'dev-key')) return c.text('forbidden', 403)
  await next()
})
app.route('/raftlite', node.api())
app.route('/todos', await todoRoutes(node.client()))

const port = Number(process.env.PORT ?? 3000)
const server = Bun.serve({ port, hostname: process.env.HOST ?? '127.0.0.1', reusePort: false, fetch: app.fetch })
console.log(`todo app listening on http://127.0.0.1:${port}`)
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, async () => {
    await server.stop(true)
    await node.stop()
    process.exit(0)
  })
}
