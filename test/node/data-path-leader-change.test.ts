// Work only the leader may do (data-path.ts `#onLeader`) goes to the new leader when the one it
// was sent to answers "leader not found": that node did nothing (it lost leadership and knew no
// successor yet). A CI run showed a linearizable read answered 503 while a new leader was being
// elected (test/e2e/leadership-lost.test.ts).
import { expect, test } from 'vitest'
import { DataPath, type DataPathContext } from '../../src/node/data-path.ts'
import { LeaderNotFoundError } from '../../src/node/store-error.ts'
import type { StatementResult } from '../../src/db/statement-result.ts'

const ROWS: StatementResult[] = [{ kind: 'rows', rows: { columns: ['x'], decltypes: [''], rows: [[1]] } }]

/** A follower that knows leader `b`; forwarding asks `answers` in turn. */
function follower(answers: Array<() => Promise<unknown>>) {
  const state = { leader: 'b', term: 1, asked: [] as string[] }
  const ctx = {
    id: 'a',
    options: { raftApplyTimeoutMs: 60_000, raftElectionTimeoutMs: 100, dbQueryTimeoutMs: 5_000 },
    platform: { clock: { monotonic: () => performance.now(), now: () => Date.now() }, timers: { setTimeout: (fn: () => void, ms: number) => { const h = setTimeout(fn, ms); return () => clearTimeout(h) } } },
    db: { refusal: () => null, query: () => ROWS, isReadOnly: () => true },
    engine: undefined,
    members: new Map(),
    driver: () => ({ applied: 0, role: 'follower', leader: state.leader, raft: { status: () => ({ term: state.term }) } }),
    stopping: () => false,
    leader: () => ({ id: state.leader, addr: `${state.leader}:4002` }),
    counters: { add: () => {} },
    log: { initialState: () => ({ hardState: { term: 1, vote: '', commit: 0 } }) },
    peers: {
      call: async () => { throw new Error('not used') },
      forward: async () => {
        state.asked.push(state.leader)
        return await answers[state.asked.length - 1]()
      },
    },
    isVoter: () => true,
    lastWriteTimestamp: () => 0,
  } as unknown as DataPathContext
  return { data: new DataPath(ctx), state }
}

const read = (data: DataPath) => data.query([{ sql: 'SELECT 1', positional: [], named: null }], { level: 'linearizable' })

test('a read whose leader answers "leader not found" goes to the next leader', async () => {
  const { data, state } = follower([
    async () => {
      setTimeout(() => ((state.leader = 'c'), (state.term = 2)), 30) // the election ends
      throw new LeaderNotFoundError()
    },
    async () => ({ results: ROWS, raftIndex: 7, servedBy: 'c:4002' }),
  ])
  expect(await read(data)).toEqual(ROWS)
  expect(state.asked).toEqual(['b', 'c'])
})

test('with no leader found at any try, the read fails with "leader not found"', async () => {
  const { data, state } = follower(Array.from({ length: 3 }, () => async () => {
    setTimeout(() => (state.term += 1), 10) // a new term, still no one answering
    throw new LeaderNotFoundError()
  }))
  await expect(read(data)).rejects.toThrow('leader not found')
  expect(state.asked.length).toBe(3)
})
