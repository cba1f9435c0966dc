/** `/db/execute`, `/db/query`, `/db/request` and `/db/sql`: rqlite's data API. */
import { parseStatements, parseTextPlainBody, type Statement } from '../api/parse-statements.ts'
import { RequestError } from '../api/request-error.ts'
import { buildEnvelope, formatResults, type StatementResult } from '../api/result-format.ts'
import type { QueryParams } from '../api/query-params.ts'
import type { ApiNode } from '../node/node-api-port.ts'
import type { Credentials } from '../auth/credentials.ts'
import { LeaderNotFoundError, NotLeaderError, StoreError } from '../node/store-error.ts'
import { describeStatement } from './nondeterminism.ts'
import { type BodySource, readBodyText } from './read-body.ts'
import type { HeaderReader } from './request-headers.ts'
import { checkRequestLimits } from './request-limits.ts'
import { estimateResultBytes } from './result-size.ts'
import { resultTooLargeMessage } from '../sqlite/result-cap.ts'
import { empty, json, textError, withCommonHeaders } from './respond.ts'

export interface DataRequest {
  request: Request
  params: QueryParams
  node: ApiNode
  /** Monotonic ms at which the request arrived (for the top-level `time`). */
  startedAt: number
  /** Headers every response of this API carries (version, CORS). */
  commonHeaders: Readonly<Record<string, string>>
  /** The request's Basic credentials, forwarded with it to the leader (which checks them again). */
  credentials?: Credentials | null
  /** The body as the server hands it over, where it does (read-body.ts `BodySource`). */
  bodySource?: BodySource
  /** Reads a header without building a Web `Headers`, where the server allows (request-headers.ts). */
  header: HeaderReader
}

/** The request's credentials as node options take them (none when it sent none). */
export function withCredentials(r: DataRequest): { credentials?: Credentials } {
  return r.credentials ? { credentials: r.credentials } : {}
}

type Shape = { unified: boolean }

export async function handleExecute(r: DataRequest): Promise<Response> {
  if (r.request.method !== 'POST') return empty(405)
  if (r.params.queue) return handleQueued(r)
  r.node.counters.add('http', 'executions')
  const redirect = redirectToLeader(r)
  if (redirect) return redirect
  const statements = await readStatements(r, true)
  r.node.counters.add('http', 'execute_stmts_rx', statements.length)
  return respondWrite(r, { unified: true }, () =>
    r.node.execute(statements, { transaction: r.params.transaction, timeoutMs: r.params.dbTimeoutMs ?? undefined, redirect: r.params.redirect, ...withCredentials(r) }),
  )
}

export async function handleQuery(r: DataRequest): Promise<Response> {
  const method = r.request.method
  if (method !== 'GET' && method !== 'POST') return empty(405)
  r.node.counters.add('http', 'queries')
  if (r.params.level !== 'none' && r.params.level !== 'auto') {
    const redirect = redirectToLeader(r)
    if (redirect) return redirect
  }
  let statements: Statement[]
  if (method === 'GET') {
    if (r.params.query === undefined) return respond(r, { results: [] }, { unified: false })
    statements = [{ sql: r.params.query, positional: [], named: null }]
  } else {
    statements = await readStatements(r, true)
  }
  r.node.counters.add('http', 'query_stmts_rx', statements.length)
  return respondWrite(r, { unified: false }, async () => ({
    results: await r.node.query(statements, {
      level: r.params.level,
      transaction: r.params.transaction,
      timeoutMs: r.params.dbTimeoutMs ?? undefined,
      freshnessMs: r.params.freshnessMs,
      freshnessStrict: r.params.freshnessStrict,
      redirect: r.params.redirect,
      maxResultBytes: r.node.options.httpMaxResultBytes || undefined,
      ...withCredentials(r),
    }),
  }))
}

export async function handleRequest(r: DataRequest): Promise<Response> {
  if (r.request.method !== 'POST') return empty(405)
  r.node.counters.add('http', 'requests')
  const redirect = redirectToLeader(r)
  if (redirect) return redirect
  const statements = await readStatements(r, false)
  r.node.counters.add('http', 'request_stmts_rx', statements.length)
  return respondWrite(r, { unified: true }, () =>
    r.node.request(statements, {
      level: r.params.level,
      transaction: r.params.transaction,
      timeoutMs: r.params.dbTimeoutMs ?? undefined,
      freshnessMs: r.params.freshnessMs,
      freshnessStrict: r.params.freshnessStrict,
      redirect: r.params.redirect,
      ...withCredentials(r),
    }),
  )
}

/** Shows how each statement will be made deterministic; executes nothing. */
export async function handleSql(r: DataRequest): Promise<Response> {
  const method = r.request.method
  r.node.counters.add('http', 'sql_analyze')
  let statements: Statement[]
  if (method === 'GET') {
    if (r.params.query === undefined) return json({ results: [] }, { pretty: r.params.pretty })
    statements = [{ sql: r.params.query, positional: [], named: null }]
  } else if (method === 'POST') {
    statements = await readStatements(r, false)
  } else {
    return empty(405)
  }
  const results = statements.map((s) => {
    const report = describeStatement(s.sql)
    return { original: report.original, rewritten: report.rewritten, pinned: report.pinned }
  })
  return json({ results }, { pretty: r.params.pretty })
}

async function handleQueued(r: DataRequest): Promise<Response> {
  const counters = r.node.counters
  counters.add('http', 'queued_executions')
  let statements: Statement[] = []
  try {
    statements = await readStatements(r, true)
  } catch (e) {
    // rqlite quirk: on the queue path only "no statements" without `wait` is an error; other
    // unreadable bodies count as empty (with `wait`, a flush barrier).
    if (!(e instanceof RequestError) || e.status === 413) throw e
    if (e.message === 'no statements' && !r.params.wait) throw e
  }
  let queued: Awaited<ReturnType<ApiNode['enqueue']>>
  try {
    queued = await r.node.enqueue(statements)
  } catch (e) {
    if (e instanceof LeaderNotFoundError || e instanceof NotLeaderError) {
      counters.add('http', 'queued_executions_no_leader')
      return leaderNotFound(r)
    }
    if (e instanceof StoreError) return respond(r, { results: [], error: e.message }, { unified: true })
    throw e
  }
  counters.add('http', 'queued_executions_ok')
  counters.add('http', 'queued_executions_num_stmts_rx', statements.length)
  if (r.params.wait) {
    counters.add('http', 'queued_executions_wait')
    const timeoutMs = r.params.timeoutMs ?? 30_000
    let cancel = () => {}
    const timedOut = new Promise<'timeout'>((resolve) => {
      cancel = r.node.platform.timers.setTimeout(() => resolve('timeout'), timeoutMs)
    })
    let outcome: void | 'timeout'
    try {
      outcome = await Promise.race([queued.flushed, timedOut])
    } catch (e) {
      // Given up on at shutdown: say so, with whether it may still have been written.
      if (e instanceof StoreError) return respond(r, { results: [], error: e.message }, { unified: true })
      throw e
    } finally {
      cancel()
    }
    if (outcome === 'timeout') {
      counters.add('http', 'queued_executions_wait_timeout')
      return textError(408, 'queue wait timeout')
    }
  }
  return json(buildEnvelope({ results: [], sequenceNumber: queued.sequence }), { pretty: r.params.pretty })
}

async function readStatements(r: DataRequest, textPlainAllowed: boolean): Promise<Statement[]> {
  const body = await readBodyText(r.request, r.node.options.httpMaxBodyBytes, r.bodySource, r.header)
  const contentType = r.header('content-type') ?? ''
  const statements = textPlainAllowed && /^text\/plain\b/i.test(contentType) ? parseTextPlainBody(body) : parseStatements(body)
  checkRequestLimits(statements, r.node.options)
  return statements
}

async function respondWrite(
  r: DataRequest,
  shape: Shape,
  run: () => Promise<{ results: StatementResult[]; raftIndex?: number; servedBy?: string }>,
): Promise<Response> {
  try {
    const outcome = await run()
    return respond(r, outcome, shape)
  } catch (e) {
    // rqlite answers 503 when it cannot forward for want of a leader.
    if (e instanceof LeaderNotFoundError) return leaderNotFound(r)
    // Leadership lost under the request (or moved since the check): send the client on, never 200.
    if (e instanceof NotLeaderError) return redirectToLeader(r, { force: true }) ?? leaderNotFound(r)
    if (e instanceof StoreError) return respond(r, { results: [], error: e.message }, shape)
    throw e
  }
}

/** 503 `leader not found` (rqlite's answer when no leader is known), counted as rqlite does. */
export function leaderNotFound(r: Pick<DataRequest, 'node'>): Response {
  r.node.counters.add('http', 'leader_not_found')
  return textError(503, 'leader not found')
}

/** With `?redirect`, a follower sends the client to the leader (301) instead of forwarding. */
function redirectToLeader(r: DataRequest, after: { force?: boolean } = {}): Response | undefined {
  if (!r.params.redirect || r.node.isLeader) return undefined
  const leader = r.node.leader()
  if (after.force && (!leader || leader.id === r.node.id)) return undefined
  if (!leader) return textError(500, 'leader not found')
  const url = new URL(r.request.url)
  return new Response(null, {
    status: 301,
    headers: { Location: `${leader.apiAddr}${url.pathname}${url.search}`, 'Content-Type': 'text/plain; charset=utf-8' },
  })
}

function respond(
  r: DataRequest,
  outcome: { results: StatementResult[]; raftIndex?: number; error?: string; servedBy?: string },
  shape: Shape,
): Response {
  const p = r.params
  const limit = r.node.options.httpMaxResultBytes
  // Only reads: a write's result must say what was written, however large.
  if (!shape.unified && limit > 0 && estimateResultBytes(outcome.results, limit) > limit) {
    outcome = { results: [], error: resultTooLargeMessage(limit) }
  }
  const envelope = buildEnvelope({
    results: formatResults(outcome.results, {
      associative: p.associative,
      blobArray: p.blobArray,
      timings: p.timings,
      unified: shape.unified,
    }),
    error: outcome.error,
    time: p.timings ? (r.node.platform.clock.monotonic() - r.startedAt) / 1000 : undefined,
    raftIndex: p.raftIndex ? outcome.raftIndex : undefined,
  })
  // The Raft address of the node that served it, forwarded or not (what rqlite sends).
  const servedBy = outcome.servedBy ?? r.node.options.raftAdvAddr
  return withCommonHeaders(json(envelope, { pretty: p.pretty, headers: { ...r.commonHeaders, 'X-RQLITE-SERVED-BY': servedBy } }))
}
