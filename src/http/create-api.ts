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
import type { ApiNode } from '../node/node-api-port.ts'
import { LeaderNotFoundError, NotAuthorizedError, NotLeaderError, StoreError } from '../node/store-error.ts'
import { basicCredentials } from '../auth/credentials.ts'
import { AUTH_HEADERS, requirePermissions } from './require-permissions.ts'
import { bodySourceOf, readBodyText } from './read-body.ts'
import { headerReader } from './request-headers.ts'
import { serverIncoming } from './server-incoming.ts'
import { handleChanges } from './change-stream.ts'
import { changeSocketRoute } from './change-socket.ts'
import type { UpgradeWebSocket } from 'hono/ws'
import { handleBackup, handleBoot, handleLoad } from './backup-routes.ts'
import { requestObserver } from './request-observer.ts'
import { handleConsoleCluster, handleConsolePage } from './console-routes.ts'
import { PROMETHEUS_CONTENT_TYPE, prometheusText } from '../observe/prometheus-text.ts'
import { type DataRequest, handleExecute, handleQuery, handleRequest, handleSql, leaderNotFound, withCredentials } from './data-routes.ts'
import { empty, hasCommonHeaders, json, text, textError } from './respond.ts'
import { Counters, VERSION_HEADER_VALUE, nodeEntries, pickKey, sortDeep, statusDocument } from './status-report.ts'

type Handler = (r: DataRequest) => Promise<Response> | Response

export interface ApiOptions {
  /** Counters shared with `/debug/vars`; one per node. */
  counters?: Counters
  /** The runtime's WebSocket upgrade once it provides one: `/db/changes` over a WebSocket. */
  changeSockets?: () => UpgradeWebSocket | null
}

export function createApi(node: ApiNode, options: ApiOptions = {}): Hono {
  const counters = options.counters ?? node.counters
  const app = new Hono()

  const commonHeaders: Record<string, string> = {
    'X-RQLITE-VERSION': VERSION_HEADER_VALUE,
    'Access-Control-Allow-Methods': 'OPTIONS, GET, POST',
    'Access-Control-Allow-Headers': 'Content-Type',
  }
  if (node.options.httpAllowOrigin) commonHeaders['Access-Control-Allow-Origin'] = node.options.httpAllowOrigin
  if (node.authorizer) Object.assign(commonHeaders, AUTH_HEADERS)
  app.use('*', async (c, next) => {
    await next()
    // Data responses carry them from birth; setting them afterwards costs the Node adapter
    // its fast path (about a tenth of a point read).
    if (hasCommonHeaders(c.res)) return
    for (const [name, value] of Object.entries(commonHeaders)) c.res.headers.set(name, value)
  })
  const observe = requestObserver(node, node.logger.for('http'))
  if (node.authorizer) {
    const check = requirePermissions(node.authorizer)
    app.use('*', async (c, next) => {
      const startedAt = node.platform.clock.monotonic()
      const refused = await check(c, next)
      // A response of its own is a refusal (the request went no further): logged and counted.
      if (refused instanceof Response) observe('unauthorized', c.req.raw, startedAt, refused)
      return refused
    })
  }

  const prefixRoutes: [string, string, Handler][] = [
    ['/db/execute', 'execute', handleExecute],
    ['/db/query', 'query', handleQuery],
    ['/db/request', 'request', handleRequest],
    ['/db/sql', 'sql', handleSql],
    ['/db/changes', 'changes', handleChanges],
    ['/db/backup', 'backup', handleBackup],
    ['/db/load', 'load', handleLoad],
    ['/status', 'status', handleStatus],
    ['/nodes', 'nodes', handleNodes],
    ['/readyz', 'readyz', handleReadyz],
    ['/remove', 'remove', handleRemove],
  ]
  const exactRoutes: [string, string, Handler][] = [
    ['/leader', 'leader', handleLeader],
    ['/debug/vars', 'debug_vars', (r) => handleDebugVars(r, counters)],
    ['/boot', 'boot', handleBoot],
    ['/snapshot', 'snapshot', (r) => handleSnapshot(r, counters)],
    ['/reap', 'reap', (r) => handleReap(r, counters)],
    ['/metrics', 'metrics', handleMetrics],
    ['/console', 'console', (r) => handleConsolePage(r.request)],
    ['/console/', 'console', (r) => handleConsolePage(r.request)],
    ['/console/cluster', 'console', (r) => handleConsoleCluster(r.node, r.request, new URL(r.request.url).searchParams.has('local'))],
  ]

  const serve = (name: string, handler: Handler) => async (c: { req: { raw: Request; url: string }; env?: unknown }) => {
    const startedAt = node.platform.clock.monotonic()
    const response = await serveRoute(name, handler, c, startedAt)
    observe(name, c.req.raw, startedAt, response)
    return response
  }
  const serveRoute = async (name: string, handler: Handler, c: { req: { raw: Request; url: string }; env?: unknown }, startedAt: number) => {
    const request = c.req.raw
    if (request.method === 'OPTIONS') return empty(200)
    let params: QueryParams
    try {
      params = parseQueryParams(new URL(c.req.url))
    } catch (e) {
      if (e instanceof RequestError) return textError(e.status, e.message)
      throw e
    }
    counters.add('http', `${name}_requests`)
    const incoming = serverIncoming(request, c.env)
    const header = headerReader(request, incoming)
    const credentials = basicCredentials(header('authorization'))
    try {
      return await handler({ request, params, node, startedAt, commonHeaders, credentials, bodySource: bodySourceOf(incoming), header })
    } catch (e) {
      if (e instanceof RequestError) return textError(e.status, e.message)
      // The leader refused forwarded work: rqlite's 401 with its text.
      if (e instanceof NotAuthorizedError) return textError(401, e.message)
      counters.add('http', 'internal_errors')
      node.dispatchEvent(new CustomEvent('error', { detail: e }))
      return textError(500, e instanceof Error ? e.message : String(e))
    }
  }
  if (options.changeSockets) app.get('/db/changes', changeSocketRoute(node, options.changeSockets))
  for (const [path, name, handler] of prefixRoutes) app.all(`${path}*`, serve(name, handler))
  for (const [path, name, handler] of exactRoutes) app.all(path, serve(name, handler))
  app.all('/', (c) => (c.req.method === 'OPTIONS' ? empty(200) : empty(302, { Location: '/status' })))
  app.all('*', (c) => {
    if (c.req.method === 'OPTIONS') return empty(200)
    const response = empty(404)
    observe('other', c.req.raw, node.platform.clock.monotonic(), response)
    return response
  })
  return app
}

/** Prometheus text format; 404 when the node runs with `-metrics=false`. */
function handleMetrics(r: DataRequest): Response {
  if (!r.node.metrics.enabled) return empty(404)
  if (r.request.method !== 'GET') return empty(405)
  return new Response(prometheusText(r.node.metrics.registry.collect()), { headers: { 'Content-Type': PROMETHEUS_CONTENT_TYPE } })
}

function handleStatus(r: DataRequest): Response {
  if (r.request.method !== 'GET') return empty(405)
  r.node.counters.add('http', 'num_status')
  const doc = sortDeep(statusDocument(r.node))
  return json(r.params.key ? pickKey(doc, r.params.key) : doc, { pretty: r.params.pretty })
}

async function handleNodes(r: DataRequest): Promise<Response> {
  if (r.request.method !== 'GET') return empty(405)
  const entries = (await nodeEntries(r.node, { timeoutMs: r.params.timeoutMs ?? 5000, fetch: r.node.peerFetch })).filter(
    (e) => e.voter === true || r.params.nonvoters,
  )
  const body = r.params.ver === '2' ? { nodes: entries } : Object.fromEntries(entries.map((e) => [String(e.id), e]))
  return json(body, { pretty: r.params.pretty })
}

async function handleReadyz(r: DataRequest): Promise<Response> {
  if (r.request.method !== 'GET') return empty(405)
  r.node.counters.add('http', 'num_readyz')
  if (r.params.noleader) return text('[+]node ok')
  const leader = r.node.leader()
  if (!leader) return text('[+]node ok\n[+]leader does not exist', 503)
  if (leader.id !== r.node.id) {
    const [entry] = (await nodeEntries(r.node, { timeoutMs: r.params.timeoutMs ?? 5000, fetch: r.node.peerFetch })).filter((e) => e.id === leader.id)
    if (!entry || entry.reachable !== true) {
      return text(`[+]node ok\n[+]leader not contactable: ${String(entry?.error ?? 'unknown leader')}`, 503)
    }
  }
  const ready = await settledWithin(r, r.node.ready, 0)
  if (r.node.state === 'Shutdown' || !ready) return text('[+]node ok\n[+]leader ok\n[+]store not ready', 503)
  const body = '[+]node ok\n[+]leader ok\n[+]store ok'
  if (!r.params.sync) return text(body)
  const synced = await settledWithin(r, r.node.waitCaughtUp(), r.params.timeoutMs ?? 30_000)
  return synced ? text(`${body}\n[+]sync ok`) : text(`${body}\n[+]sync timeout`, 503)
}

/** Whether `p` fulfils within `ms` (0: only if it already has). */
function settledWithin(r: DataRequest, p: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const cancel = r.node.platform.timers.setTimeout(() => resolve(false), ms)
    p.then(
      () => {
        cancel()
        resolve(true)
      },
      () => resolve(false),
    )
  })
}

async function handleLeader(r: DataRequest): Promise<Response> {
  const method = r.request.method
  if (method === 'GET') {
    const leader = r.node.leader()
    if (!leader) return leaderNotFound(r)
    const [entry] = (await nodeEntries(r.node, { timeoutMs: r.params.timeoutMs ?? 5000, fetch: r.node.peerFetch })).filter((e) => e.id === leader.id)
    return json(entry, { pretty: r.params.pretty })
  }
  if (method !== 'POST') return empty(405)
  let target = ''
  if (/^application\/json\b/i.test(r.header('content-type') ?? '')) {
    const body = (await r.request.text()).trim()
    if (body !== '') {
      let parsed: unknown
      try {
        parsed = JSON.parse(body)
      } catch {
        return textError(400, 'invalid JSON body')
      }
      const id = (parsed as { id?: unknown } | null)?.id
      if (typeof id !== 'string') return textError(400, 'body must be {"id":"<node id>"}')
      target = id
    }
  }
  return clusterOperation(() => r.node.transferLeadership(target, { wait: r.params.wait, ...withCredentials(r) }))
}

/**
 * Runs an operation on the cluster (stepdown, removal): 200 with an empty body when it worked,
 * 503 when there is no leader to do it, 500 with the reason otherwise — as rqlite answers.
 */
async function clusterOperation(run: () => Promise<unknown>): Promise<Response> {
  try {
    await run()
  } catch (e) {
    if (e instanceof LeaderNotFoundError) return textError(503, e.message)
    // The leader it was sent to lost its leadership: as rqlite, "not leader" is no 500.
    if (e instanceof NotLeaderError) return textError(503, 'leader not found')
    if (e instanceof StoreError) return textError(500, e.message)
    throw e
  }
  return empty(200)
}

async function handleSnapshot(r: DataRequest, counters: Counters): Promise<Response> {
  if (r.request.method !== 'POST') return empty(405)
  counters.add('http', 'user_snapshots')
  try {
    const taken = await r.node.snapshot(r.params.trailingLogs ?? undefined)
    if (taken) counters.add('store', 'num_user_snapshots')
    return empty(taken ? 200 : 204)
  } catch (e) {
    counters.add('store', 'num_user_snapshots_failed')
    if (e instanceof StoreError) return textError(500, e.message)
    throw e
  }
}

/** rqlite v10's POST /reap: `{"snapshots_reaped":n,"wals_checkpointed":c}`. */
async function handleReap(r: DataRequest, counters: Counters): Promise<Response> {
  if (r.request.method !== 'POST') return empty(405)
  counters.add('http', 'user_reaps')
  try {
    const reaped = await r.node.reap()
    counters.add('snapshot', 'reap_total')
    counters.add('snapshot', 'reap_snapshots', reaped.snapshotsReaped)
    counters.add('snapshot', 'reap_wals', reaped.walsCheckpointed)
    return json({ snapshots_reaped: reaped.snapshotsReaped, wals_checkpointed: reaped.walsCheckpointed }, { pretty: r.params.pretty })
  } catch (e) {
    counters.add('snapshot', 'reap_errors')
    if (e instanceof StoreError) return textError(500, e.message)
    throw e
  }
}

async function handleRemove(r: DataRequest): Promise<Response> {
  if (r.request.method !== 'DELETE') return empty(405)
  let parsed: unknown
  try {
    parsed = JSON.parse(await readBodyText(r.request, r.node.options.httpMaxBodyBytes, r.bodySource, r.header))
  } catch (e) {
    if (e instanceof RequestError) throw e
    return textError(400, 'invalid JSON body')
  }
  const keys = parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? Object.keys(parsed) : []
  const id = (parsed as { id?: unknown } | null)?.id
  if (keys.length !== 1 || typeof id !== 'string') return textError(400, 'body must be exactly {"id":"<node id>"}')
  return clusterOperation(() => r.node.removeNode(id, withCredentials(r)))
}

function handleDebugVars(r: DataRequest, counters: Counters): Response {
  if (r.request.method !== 'GET') return empty(405)
  const counted = counters.snapshot()
  const vars: Record<string, unknown> = {
    cmdline: [],
    ...counted,
    cluster: {
      ...counted.cluster,
      raft_stream_batches: r.node.transportStats.streamBatches,
      raft_post_batches: r.node.transportStats.postBatches,
      raft_streams_opened: r.node.transportStats.streamsOpened,
    },
    store: {
      ...counted.store,
      applied_index: r.node.appliedIndex,
      queue_depth: r.node.queue.depth,
      num_snapshots: r.node.stats.snapshots,
      num_restores: r.node.stats.snapshotsInstalled,
      num_snapshot_transfers_resumed: r.node.stats.snapshotsResumed,
      num_restores_start: r.node.stats.restoresStart,
      num_restores_start_skipped: r.node.stats.restoresStartSkipped,
    },
    ...cdcVars(r.node.cdcStatus()),
  }
  for (const reporter of r.node.reporters?.values() ?? []) if (reporter.expvar && reporter.expvarKey) vars[reporter.expvarKey] = reporter.expvar()
  const body = r.params.key ? { [r.params.key]: vars[r.params.key] ?? null } : vars
  return new Response(toJson(sortDeep(body as never)), { headers: { 'Content-Type': 'application/json; charset=utf-8' } })
}

/** rqlite's `cdc.service` expvar map: the numbers of /status's `cdc` section. */
function cdcVars(status: Record<string, unknown> | null): Record<string, unknown> {
  if (!status) return {}
  const numbers = Object.entries(status).filter(([, v]) => typeof v === 'number' || typeof v === 'boolean')
  return { 'cdc.service': { ...Object.fromEntries(numbers), dropped_cdc_events: status.dropped_events } }
}
