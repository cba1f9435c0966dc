// The aimed kills of the chaos harness on a real raftlited process: the kill lands while the
// snapshot or the ~400 KB batch is still unanswered, and the node restarts on its data
// directory with the batch applied whole or not at all and snapshots still working.
import { afterEach, expect, test } from 'vitest'
import { killMidAppend, killMidSnapshot, type AimedKill } from './aimed-kills.ts'
import { type RaftlitedProcess, restartRaftlited, startRaftlited, tempDataDir } from '../support/raftlited-process.ts'

let proc: RaftlitedProcess | undefined
afterEach(async () => {
  await proc?.stop('SIGKILL').catch(() => {})
  proc = undefined
})

const target = {
  url: () => proc!.url,
  kill: async () => {
    await proc!.stop('SIGKILL')
  },
}

async function query(sql: string): Promise<unknown[][]> {
  const res = await fetch(`${proc!.url}/db/query?level=strong`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify([sql]) })
  const body = (await res.json()) as { results: Array<{ values?: unknown[][]; error?: string }> }
  if (body.results[0]?.error) throw new Error(body.results[0].error)
  return body.results[0]?.values ?? []
}

/** Up to three aimed kills (each followed by a restart) until one lands in flight. */
async function aimUntilInFlight(kill: (draw: number) => Promise<AimedKill>): Promise<AimedKill[]> {
  const tries: AimedKill[] = []
  for (const draw of [0, 0.1, 0.2]) {
    tries.push(await kill(draw))
    proc = await restartRaftlited(proc!)
    if (tries.at(-1)!.inFlight) break
  }
  return tries
}

test('a kill in the middle of a large append: in flight, and the batch is whole or absent after the restart', async () => {
  proc = await startRaftlited({ dataDir: tempDataDir('raftlite-aimed-') })
  const tries = await aimUntilInFlight((draw) => killMidAppend(target, 1, 1, draw))
  expect(tries.some((t) => t.inFlight), tries.map((t) => t.detail).join('\n')).toBe(true)
  expect(tries[0]!.detail).toMatch(/the first took \d+ ms \(200\)/)
  // One batch per round, all rows of one round: never a part of one, never two mixed.
  const [[rows, rounds]] = (await query('SELECT COUNT(*), COUNT(DISTINCT substr(pad, 1, 4)) FROM chaos_bulk')) as [[number, number]]
  expect({ rows, rounds }).toEqual({ rows: 200, rounds: 1 })
}, 120_000)

test('a kill in the middle of a snapshot: in flight, and the node restarts with its data and snapshots again', async () => {
  proc = await startRaftlited({ dataDir: tempDataDir('raftlite-aimed-'), args: ['-raft-snap', '100000'] })
  // Data, so that the snapshot has something to copy (aimed-kills writes before the second).
  await killMidAppend({ url: () => proc!.url, kill: async () => {} }, 1, 1, 0.5)
  const tries: AimedKill[] = []
  for (const draw of [0.3, 0.5, 0.7]) {
    tries.push(await killMidSnapshot(target, 1, draw))
    proc = await restartRaftlited(proc!)
    if (tries.at(-1)!.inFlight) break
  }
  expect(tries.some((t) => t.inFlight), tries.map((t) => t.detail).join('\n')).toBe(true)
  expect(tries.every((t) => /the first took \d+ ms \(200\)/.test(t.detail)), 'each probe took a snapshot').toBe(true)
  expect(await query('SELECT COUNT(*) FROM chaos_bulk')).toEqual([[200]])
  await fetch(`${proc.url}/db/execute`, { method: 'POST', body: JSON.stringify(['INSERT INTO chaos_bulk (pad) VALUES (1)']) })
  const again = await fetch(`${proc.url}/snapshot`, { method: 'POST' })
  expect([200, 204]).toContain(again.status)
}, 120_000)
