/**
 * One HTTP request of the workload and what its outcome proves. `fail` is claimed only where
 * the request certainly changed nothing: the connection was refused (no process listening), the
 * node said there is no leader or it is not the leader (raftlite answers that only when nothing
 * can still take effect, docs/architecture.md), or SQLite refused the statement. Everything else
 * — a timeout, a reset, "leader not contactable", a 5xx — is indeterminate.
 */
import type { Outcome } from './history.ts'

export interface CallResult {
  outcome: Outcome
  /** The parsed JSON body of a 200. */
  body?: ApiBody
  error?: string
}

export interface ApiBody {
  results?: Array<{ error?: string; values?: unknown[][]; rows_affected?: number }>
  error?: string
}

const CERTAIN_REFUSALS = /^(leader not found|not leader)$/
/**
 * SQLite errors that come from the node's machine, not from the statement: the same entry may
 * have applied on every other replica (seen in a run: "database or disk is full" answered for
 * inserts that the cluster kept).
 */
const LOCAL_FAILURES = /disk is full|disk I\/O error|out of memory|malformed|unable to open database file|not a database/i

export async function call(url: string, path: string, body: unknown, timeoutMs: number): Promise<CallResult> {
  let res: Response
  try {
    res = await fetch(`${url}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    })
  } catch (e) {
    const code = (e as { cause?: { code?: string } }).cause?.code
    if (code === 'ECONNREFUSED' || code === 'EHOSTUNREACH') return { outcome: 'fail', error: code }
    return { outcome: 'indeterminate', error: code ?? (e instanceof Error ? e.name : String(e)) }
  }
  let text: string
  try {
    text = await res.text()
  } catch (e) {
    return { outcome: 'indeterminate', error: `body: ${e instanceof Error ? e.message : String(e)}` }
  }
  // A 301 is the node saying it lost leadership before anything was proposed.
  if (res.status === 301) return { outcome: 'fail', error: `301 to ${res.headers.get('location')}` }
  if (res.status !== 200) {
    return { outcome: res.status === 503 && CERTAIN_REFUSALS.test(text.trim()) ? 'fail' : 'indeterminate', error: `${res.status} ${text.trim().slice(0, 120)}` }
  }
  let parsed: ApiBody
  try {
    parsed = JSON.parse(text) as ApiBody
  } catch {
    return { outcome: 'indeterminate', error: `unparsable 200: ${text.slice(0, 120)}` }
  }
  if (parsed.error) return { outcome: CERTAIN_REFUSALS.test(parsed.error) ? 'fail' : 'indeterminate', body: parsed, error: parsed.error }
  const statementError = parsed.results?.find((r) => r.error)?.error
  // A statement's own error (a constraint, a syntax error) is the same on every replica: nothing changed.
  if (statementError) return { outcome: LOCAL_FAILURES.test(statementError) ? 'indeterminate' : 'fail', body: parsed, error: statementError }
  return { outcome: 'ok', body: parsed }
}
