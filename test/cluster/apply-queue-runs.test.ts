// ApplyQueue.pushAll with a state machine off the thread: the entries one Ready commits go to it
// as one run, except a held entry, which goes first on its own (answered before its commit is
// done, AnsweredEarly) with the rest behind it; a synchronous state machine gets each at once.
import { expect, test } from 'vitest'
import { AnsweredEarly, type ApplyHost, type ApplyOutcome, ApplyQueue } from '../../src/cluster/apply-queue.ts'
import type { Entry } from '../../src/raft/types.ts'

const entry = (index: number): Entry => ({ index, term: 1, type: 'normal', data: new TextEncoder().encode(`e${index}`) })
const turn = () => new Promise((r) => setTimeout(r, 1))

function queue(options: { offThread: boolean; held?: number; sync?: boolean }) {
  const calls: string[] = []
  const settled: number[] = []
  let finishHeld = () => {}
  const host: ApplyHost = {
    isLocal: () => true,
    offThread: options.offThread,
    holds: (e) => e.index === options.held,
    applyEntry: (e) => {
      calls.push(`apply ${e.index}`)
      if (options.sync) return e.index
      if (e.index === options.held) return Promise.resolve(new AnsweredEarly(e.index, new Promise<void>((resolve) => (finishHeld = resolve))))
      return Promise.resolve(e.index)
    },
    applyRun: async (run) => {
      calls.push(`run ${run.map(({ entry }) => entry.index).join(',')}`)
      return run.map(({ entry }): ApplyOutcome => ({ ok: true, value: entry.index }))
    },
    settle: (e) => void settled.push(e.index),
    onError: () => {},
    fatal: () => {},
    stopped: () => false,
  }
  return { q: new ApplyQueue(host), calls, settled, finishHeld: () => finishHeld() }
}

test("a Ready's entries go to a state machine off the thread as one run", async () => {
  const { q, calls, settled } = queue({ offThread: true })
  q.pushAll([entry(1), entry(2), entry(3)])
  q.pushAll([entry(4)]) // while that run is in flight: behind it
  await q.idle()
  expect(calls).toEqual(['run 1,2,3', 'apply 4'])
  expect(settled).toEqual([1, 2, 3, 4])
})

test('a held entry goes first on its own and is answered before its commit is done; the rest wait for it', async () => {
  const { q, calls, settled, finishHeld } = queue({ offThread: true, held: 1 })
  q.pushAll([entry(1), entry(2), entry(3)])
  await turn()
  expect(calls).toEqual(['apply 1'])
  expect(settled).toEqual([1]) // answered early
  finishHeld()
  await q.idle()
  expect(calls).toEqual(['apply 1', 'run 2,3'])
  expect(settled).toEqual([1, 2, 3])
})

test('a synchronous state machine applies each entry at once, in the call', () => {
  const { q, calls, settled } = queue({ offThread: false, sync: true })
  q.pushAll([entry(1), entry(2)])
  expect(calls).toEqual(['apply 1', 'apply 2'])
  expect(settled).toEqual([1, 2])
})
