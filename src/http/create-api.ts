/**
 * The rqlite-compatible HTTP API of a node as a Hono app. Mount it anywhere
 * (`app.route('/', createApi(node))`); internode (Raft) routes live elsewhere, so this app never
 * exposes them. Routing follows rqlite: most routes match by path prefix, a few exactly, and
 * anything else is a 404 with an empty body.
 */
import { Hono } from 'hono'
import { parseQueryParams, type QueryParams } from '../api/query-params.ts'
import { RequestError } from '../api/request-error.ts'
import { toJson } from '../api/json-writer.ts'
import type { RaftliteNode } from '../node/raftlite-node.ts'
import { type DataRequest, handleExecute, handleQuery, handleRequest, handleSql } from './data-routes.ts'
import { empty, json, text, textError } from './respond.ts'
import { Counters, VERSION_HEADER_VALUE, pickKey, selfNodeEntry, sortDeep, statusDocument } from './status-report.ts'

type Handler = (r: DataRequest) => Promise<Response> | Response

export interface ApiOptions {
  /** Counters shared with `/debug/vars`; one per node. */
  counters?: Counters
}

export function createApi(node: RaftliteNode, options: ApiOptions = {}): Hono {
  const counters = options.counters ?? new Counters()
  const app = new Hono()

  app.use('*', async (c, next) => {
    await next()
    c.res.headers.set('X-RQLITE-VERSION', VERSION_HEADER_VALUE)
    c.res.headers.set('Access-Control-Allow-Methods', 'OPTIONS, GET, POST')
    c.res.headers.set('Access-Control-Allow-Headers', 'Content-Type')
    if (node.options.httpAllowOrigin) c.res.headers.set('Access-Control-Allow-Origin', node.options.httpAllowOrigin)
  })

  const prefixRoutes: [string, string, Handler][] = [
    ['/db/execute', 'execute', handleExecute],
    ['/db/query', 'query', handleQuery],
    ['/db/request', 'request', handleRequest],
    ['/db/sql', 'sql', handleSql],
    ['/db/backup', 'backup', notYet('backup (/db/backup)')],
    ['/db/load', 'load', notYet('load (/db/load)')],
    ['/status', 'status', handleStatus],
    ['/nodes', 'nodes', handleNodes],
    ['/readyz', 'readyz', handleReadyz],
    ['/remove', 'remove', notYet('node removal (/remove)')],
  ]
  const exactRoutes: [string, string, Handler][] = [
    ['/leader', 'leader', handleLeader],
    ['/debug/vars', 'debug_vars', (r) => handleDebugVars(r, counters)],
    ['/boot', 'boot', notYet('boot (/boot)')],
    ['/snapshot', 'snapshot', notYet('user snapshots (/snapshot)')],
  ]

  const serve = (name: string, handler: Handler) => async (c: { req: { raw: Request; url: string } }) => {
    const request = c.req.raw
    if (request.method === 'OPTIONS') return empty(200)
    const startedAt = node.platform.clock.monotonic()
    let params: QueryParams
    try {
      params = parseQueryParams(new URL(c.req.url))
    } catch (e) {
      if (e instanceof RequestError) return textError(e.status, e.message)
      throw e
    }
    counters.add('http', `${name}_requests`)
    try {
      return await handler({ request, params, node, startedAt })
    } catch (e) {
      if (e instanceof RequestError) return textError(e.status, e.message)
      counters.add('http', 'internal_errors')
      node.dispatchEvent(new CustomEvent('error', { detail: e }))
      return textError(500, e instanceof Error ? e.message : String(e))
    }
  }
  for (const [path, name, handler] of prefixRoutes) app.all(`${path}*`, serve(name, handler))
  for (const [path, name, handler] of exactRoutes) app.all(path, serve(name, handler))
  app.all('/', (c) => (c.req.method === 'OPTIONS' ? empty(200) : empty(302, { Location: '/status' })))
  app.all('*', (c) => (c.req.method === 'OPTIONS' ? empty(200) : empty(404)))
  return app
}

function notYet(what: string): Handler {
  return () => textError(501, `${what} is not supported by this version of raftlite yet`)
}

function handleStatus(r: DataRequest): Response {
  if (r.request.method !== 'GET') return empty(405)
  const doc = sortDeep(statusDocument(r.node))
  return json(r.params.key ? pickKey(doc, r.params.key) : doc, { pretty: r.params.pretty })
}

function handleNodes(r: DataRequest): Response {
  if (r.request.method !== 'GET') return empty(405)
  const self = selfNodeEntry(r.node)
  const body = r.params.ver === '2' ? { nodes: [self] } : { [r.node.id]: self }
  return json(body, { pretty: r.params.pretty })
}

function handleReadyz(r: DataRequest): Response {
  if (r.request.method !== 'GET') return empty(405)
  if (r.params.noleader) return text('[+]node ok')
  if (!r.node.leader()) return text('[+]node ok\n[+]leader does not exist', 503)
  if (r.node.state === 'Shutdown') return text('[+]node ok\n[+]leader ok\n[+]store not ready', 503)
  const body = '[+]node ok\n[+]leader ok\n[+]store ok'
  return text(r.params.sync ? `${body}\n[+]sync ok` : body)
}

function handleLeader(r: DataRequest): Response {
  const method = r.request.method
  if (method === 'GET') {
    if (!r.node.leader()) return textError(503, 'leader not found')
    return json(selfNodeEntry(r.node), { pretty: r.params.pretty })
  }
  if (method === 'POST') return textError(500, 'stepdown: no other voter in the cluster to transfer leadership to')
  return empty(405)
}

function handleDebugVars(r: DataRequest, counters: Counters): Response {
  if (r.request.method !== 'GET') return empty(405)
  const vars: Record<string, unknown> = {
    cmdline: [],
    ...counters.snapshot(),
    store: { applied_index: r.node.appliedIndex, queue_depth: r.node.queue.depth },
  }
  const body = r.params.key ? { [r.params.key]: vars[r.params.key] ?? null } : vars
  return new Response(toJson(sortDeep(body as never)), { headers: { 'Content-Type': 'application/json; charset=utf-8' } })
}
