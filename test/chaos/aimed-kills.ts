/**
 * Kills aimed at the middle of a snapshot and of a large append. The work is started by a
 * request (POST /snapshot on the target; a big batch to the leader), timed once first, and the
 * target is killed -9 after a delay drawn within that measured duration. Whether the kill
 * landed in flight is not assumed but observed: the request had not answered when the signal
 * went. The batch writes only its own table (`chaos_bulk`), which no oracle reads.
 */
import type { ChaosCluster } from './chaos-cluster.ts'

/** What an aimed kill needs of a cluster: a node's API address, and kill -9. */
export type Killable = Pick<ChaosCluster, 'url' | 'kill'>

/** Rows in the big batch, and the size of each: about 400 KB in one log entry. */
const BULK_ROWS = 200
const BULK_ROW_BYTES = 2_000
const BULK_TABLE = 'CREATE TABLE IF NOT EXISTS chaos_bulk (id INTEGER PRIMARY KEY, pad TEXT)'

export interface AimedKill {
  /** The request had not answered when SIGKILL was sent. */
  inFlight: boolean
  detail: string
}

interface Timed {
  settled: () => boolean
  done: Promise<string>
  sentAt: number
}

/** Sends a request and tracks whether it has answered (or failed) yet. */
function timed(url: string, init: RequestInit): Timed {
  let settled = false
  const sentAt = performance.now()
  const done = fetch(url, { ...init, signal: AbortSignal.timeout(15_000) })
    .then(async (res) => `${res.status}${res.ok ? '' : ` ${(await res.text()).slice(0, 80)}`}`, (e: Error) => e.name)
    .finally(() => (settled = true))
  return { settled: () => settled, done, sentAt }
}

function bulkBatch(round: number): string {
  const pad = `${round}`.padEnd(BULK_ROW_BYTES, 'x')
  const statements: unknown[] = [
    [BULK_TABLE],
    ['DELETE FROM chaos_bulk'], // bounded: the table holds one batch, the log entry stays big
  ]
  for (let i = 0; i < BULK_ROWS; i++) statements.push(['INSERT INTO chaos_bulk (pad) VALUES (?)', pad])
  return JSON.stringify(statements)
}

/** Kills `node` at `draw` (in [0, 1)) of the measured duration of `start`, after one timed run of it. */
async function killDuring(cluster: Killable, node: number, draw: number, start: () => Timed, what: string, between?: () => Promise<unknown>): Promise<AimedKill> {
  const probe = start()
  const probeResult = await probe.done
  const measuredMs = performance.now() - probe.sentAt
  await between?.()
  const delayMs = measuredMs * (0.1 + 0.7 * draw)
  const aimed = start()
  await new Promise((r) => setTimeout(r, delayMs))
  const inFlight = !aimed.settled()
  const atMs = performance.now() - aimed.sentAt
  await cluster.kill(node)
  const answer = await aimed.done
  return {
    inFlight,
    detail: `${what}: the first took ${measuredMs.toFixed(0)} ms (${probeResult}); killed ${atMs.toFixed(0)} ms into the second, ${inFlight ? 'still pending' : `already answered (${answer}): missed`}`,
  }
}

/** SIGKILL of `node` while a snapshot it was asked for is under way. */
export function killMidSnapshot(cluster: Killable, node: number, draw: number): Promise<AimedKill> {
  // A write between the two, or the second finds nothing new to snapshot and answers 204 at once.
  const write = () => timed(`${cluster.url(node)}/db/execute`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify([[BULK_TABLE]]) }).done
  return killDuring(cluster, node, draw, () => timed(`${cluster.url(node)}/snapshot`, { method: 'POST' }), 'POST /snapshot', write)
}

/** SIGKILL of `node` while a batch of ~400 KB sent to the leader is being appended and replicated. */
export function killMidAppend(cluster: Killable, leader: number, node: number, draw: number): Promise<AimedKill> {
  let round = 0
  const send = () => timed(`${cluster.url(leader)}/db/execute?transaction`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: bulkBatch(round++) })
  return killDuring(cluster, node, draw, send, `a ${Math.round((BULK_ROWS * BULK_ROW_BYTES) / 1024)} KB batch to node ${leader}`)
}
