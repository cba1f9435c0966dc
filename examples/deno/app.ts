/**
 * A Hono app on Deno with a raftlite node inside it.
 *   DATA_DIR=./todo-data PORT=3000 deno run --allow-read --allow-write --allow-net --allow-env examples/deno/app.ts
 * Your routes use the in-process client; the rqlite-compatible API is mounted at /raftlite,
 * behind your own middleware.
 */
import { Hono } from 'hono'
import { startNode } from 'raftlite/deno'
import { todoRoutes } from '../shared/todo-routes.ts'

const node = await startNode({ dataDir: Deno.env.get('DATA_DIR') ?? './todo-data' })
const app = new Hono()
app.use('/raftlite/*', async (c, next) => {
  // Your auth here: the database API is only for callers you trust.
  if (c.req.header('x-api-key') !== (Deno.env.get('API_KEY') ?? 'dev-key')) return c.text('forbidden', 403)
  await next()
})
app.route('/raftlite', node.api())
app.route('/todos', await todoRoutes(node.client()))

const port = Number(Deno.env.get('PORT') ?? 3000)
const server = Deno.serve(
  { port, hostname: Deno.env.get('HOST') ?? '127.0.0.1', onListen: () => console.log(`todo app listening on http://127.0.0.1:${port}`) },
  app.fetch,
)
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  Deno.addSignalListener(signal, async () => {
    await server.shutdown()
    await node.stop()
    Deno.exit(0)
  })
}
