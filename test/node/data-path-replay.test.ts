// Reads wait for the log's replay after a start (data-path.ts `#replayed`): for the commit index
// the log held at start, not for commits learned later, and never past a stop.
import { expect, test } from 'vitest'
import { DataPath, type DataPathContext } from '../../src/node/data-path.ts'
import type { StatementResult } from '../../src/db/statement-result.ts'

const ROWS: StatementResult[] = [{ kind: 'rows', rows: { columns: ['x'], decltypes: [''], rows: [[1]] } }]

/** A DataPath over a fake node: a log whose commit index moves, a driver whose applied index the test sets. */
function fakeNode(commitAtStart: number) {
  const state = { commit: commitAtStart, applied: 0, stopping: false, now: 0 }
  const ctx = {
    id: 'n',
    options: { raftApplyTimeoutMs: 60_000, dbQueryTimeoutMs: 5_000 },
    platform: { clock: { monotonic: () => state.now, now: () => state.now }, timers: { setTimeout: (fn: () => void) => { const h = setTimeout(fn, 1); return () => clearTimeout(h) } } },
    db: { refusal: () => null, query: () => ROWS },
    engine: undefined,
    members: new Map(),
    driver: () => ({ applied: state.applied, role: 'follower' }),
    stopping: () => state.stopping,
    leader: () => null,
    counters: { add: () => {} },
    log: { initialState: () => ({ hardState: { term: 1, vote: '', commit: state.commit } }) },
    peers: { call: async () => { throw new Error('no peers') }, forward: async () => { throw new Error('no peers') } },
    isVoter: () => true,
    lastWriteTimestamp: () => 0,
  } as unknown as DataPathContext
  return { data: new DataPath(ctx), state }
}

const read = (data: DataPath) => data.query([{ sql: 'SELECT 1', positional: [], named: null }], { level: 'none' })

test('a read waits for the commit index the log held at start, not for one learned after', async () => {
  const { data, state } = fakeNode(10)
  state.commit = 100 // learned after the start: the hard state follows it
  let answered = false
  const pending = read(data).then((r) => ((answered = true), r))
  await new Promise((r) => setTimeout(r, 30))
  expect(answered).toBe(false) // applied 0 < 10
  state.applied = 10
  expect(await pending).toEqual(ROWS) // not held until 100
})

test('a read waiting for the replay ends with "store not open" when the node stops', async () => {
  const { data, state } = fakeNode(10)
  const pending = read(data)
  await new Promise((r) => setTimeout(r, 20))
  state.stopping = true
  await expect(pending).rejects.toThrow('store not open')
})

test('a replay that outlasts -raft-apply-timeout fails the read, saying so', async () => {
  const { data, state } = fakeNode(10)
  const pending = read(data)
  await new Promise((r) => setTimeout(r, 20))
  state.now = 60_001
  await expect(pending).rejects.toThrow('timeout waiting for this node to apply its log')
})
