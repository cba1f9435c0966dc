// Held applies in the driver (docs/engine.md, "Applies during the fsync"): a leader's lone entry
// of its own is handed to the state machine as soon as it is appended; once committed, it is
// answered at once (AnsweredEarly) and later entries wait until its apply is done. Followers
// never hold; a leader that loses its leadership drops what it holds; an apply that fails after
// its answer was given stops the node.
import { afterEach, expect, test } from 'vitest'
import { AnsweredEarly, type StateMachine } from '../../src/cluster/apply-queue.ts'
import { MemoryLogStore } from '../../src/cluster/memory-log-store.ts'
import { RaftDriver } from '../../src/cluster/raft-driver.ts'
import { systemClock } from '../../src/ports/clock.ts'
import { globalTimers } from '../../src/ports/timers.ts'
import { bootstrapState } from '../../src/raft/conf-change.ts'
import type { Message } from '../../src/raft/messages.ts'
import { RaftNode } from '../../src/raft/raft-node.ts'
import { createSeededRandom } from '../../src/raft/random.ts'
import type { Entry } from '../../src/raft/types.ts'

const text = (s: string) => new TextEncoder().encode(s)
const decode = (e: Entry) => new TextDecoder().decode(e.data)
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

let drivers: RaftDriver[] = []
afterEach(() => {
  for (const d of drivers) d.stop()
  drivers = []
})

interface Machine {
  events: string[]
  /** Entries whose apply is done, in order. */
  applied: string[]
  /** Entries settled (answered or applied), in log order. */
  settled: string[]
  held: { index: number; term: number; data: string; sees: Promise<string[]> } | null
}

/**
 * A state machine like the engine's: calls run one at a time, in the order they are made (the
 * worker); a hold runs the entry on the state the calls before it left, and is answered early at
 * commit; `done` finishes the apply later. Entries named `slow…` are not holdable and take 150 ms.
 */
function machine(m: Machine, id: string, failDone: (data: string) => boolean): StateMachine {
  let engine: Promise<unknown> = Promise.resolve()
  const run = <T>(work: () => Promise<T> | T): Promise<T> => {
    const p = engine.then(work)
    engine = p.catch(() => {})
    return p
  }
  return {
    holdApply: (e) => {
      const data = decode(e)
      if (data.startsWith('slow')) return
      m.held = { index: e.index, term: e.term, data, sees: run(() => [...m.applied]) }
      m.events.push(`hold ${data}`)
    },
    dropHeld: () => {
      if (m.held) m.events.push(`drop ${m.held.data}`)
      m.held = null
    },
    apply: async (e) => {
      const data = decode(e)
      const held = m.held
      m.held = null
      if (held && held.index === e.index && held.term === e.term) {
        // What the hold saw must be exactly the entries before this one.
        const sees = await held.sees
        if (sees.join() !== m.settled.filter((s) => s !== '').join()) m.events.push(`stale hold ${data}: saw [${sees}]`)
        m.settled.push(data)
        m.events.push(`answer ${data}`)
        const done = run(async () => {
          await sleep(30)
          if (failDone(data)) throw new Error(`the commit of ${data} failed`)
          m.applied.push(data)
          m.events.push(`done ${data}`)
        })
        return new AnsweredEarly(`${id}:${data}`, done)
      }
      m.settled.push(data)
      await run(async () => {
        await sleep(data.startsWith('slow') ? 150 : 1)
        if (data !== '') m.applied.push(data)
      })
      if (data !== '') m.events.push(`apply ${data}`)
      return `${id}:${data}`
    },
    applyConfChange: () => {},
    installSnapshot: () => {},
  }
}

function cluster(failDone: (data: string) => boolean = () => false) {
  const ids = ['a', 'b', 'c']
  const boot = bootstrapState(ids)
  const byId = new Map<string, RaftDriver>()
  const machines = new Map<string, Machine>()
  const cut = new Set<string>()
  for (const [i, id] of ids.entries()) {
    const log = new MemoryLogStore()
    log.append(boot.entries)
    log.setHardState(boot.hardState)
    const m: Machine = { events: [], applied: [], settled: [], held: null }
    machines.set(id, m)
    const raft = new RaftNode({ id, storage: log, random: createSeededRandom(i + 1), electionTick: 10, heartbeatTick: 1, applied: 0 })
    const driver = new RaftDriver({
      raft,
      log,
      fsm: machine(m, id, failDone),
      transport: {
        send: (ms: readonly Message[]) =>
          setTimeout(() => {
            for (const msg of ms) if (!cut.has(msg.from) && !cut.has(msg.to)) byId.get(msg.to)?.step(msg)
          }, 1),
      },
      timers: globalTimers,
      clock: systemClock,
      tickMs: 20,
      applied: 0,
    })
    byId.set(id, driver)
    drivers.push(driver)
  }
  for (const d of byId.values()) d.start()
  return { byId, machines, cut }
}

async function leaderIs(byId: Map<string, RaftDriver>, id: string): Promise<RaftDriver> {
  const d = byId.get(id)!
  d.campaign()
  for (let i = 0; i < 200 && d.role !== 'leader'; i++) await sleep(10)
  expect(d.role).toBe('leader')
  // Its first entry (the empty one of its term) applied: the next proposal is next to apply.
  for (let i = 0; i < 200 && !d.leaderCaughtUp; i++) await sleep(10)
  return d
}

/** Waits until `data`'s apply is done on `m`. */
async function appliedOn(m: Machine, data: string): Promise<void> {
  for (let i = 0; i < 300 && !m.applied.includes(data); i++) await sleep(10)
  expect(m.applied).toContain(data)
}

test('a lone write is held as it is appended, answered before its apply is done, and the next waits for it', async () => {
  const { byId, machines } = cluster()
  const leader = await leaderIs(byId, 'a')
  const a = machines.get('a')!
  for (const w of ['w1', 'w2', 'w3']) {
    expect(await leader.propose(text(w), 5_000)).toBe(`a:${w}`)
    a.events.push(`answered ${w}`)
    await appliedOn(a, w)
  }
  // Each held at append, answered once committed, before its apply was done.
  expect(a.events).toEqual([
    'hold w1', 'answer w1', 'answered w1', 'done w1',
    'hold w2', 'answer w2', 'answered w2', 'done w2',
    'hold w3', 'answer w3', 'answered w3', 'done w3',
  ])
  // The next write, proposed as soon as the last is answered (its apply still finishing), is
  // held too; its apply starts only after the last one's is done.
  a.events.length = 0
  expect(await leader.propose(text('y1'), 5_000)).toBe('a:y1')
  expect(await leader.propose(text('y2'), 5_000)).toBe('a:y2')
  await appliedOn(a, 'y2')
  // (The hold of y2 runs after y1's apply is done: the engine takes calls in order.)
  expect(a.events.filter((e) => e.endsWith('y2'))).toEqual(['hold y2', 'answer y2', 'done y2'])
  expect(a.events.indexOf('done y1')).toBeLessThan(a.events.indexOf('answer y2'))
  // Writes appended together are not held: the state machine would have to hold several.
  a.events.length = 0
  const together = await Promise.all(['x1', 'x2', 'x3'].map((w) => leader.propose(text(w), 5_000)))
  expect(together).toEqual(['a:x1', 'a:x2', 'a:x3'])
  await appliedOn(a, 'x3')
  expect(a.events.filter((e) => e.startsWith('hold'))).toEqual([])
  const all = ['w1', 'w2', 'w3', 'y1', 'y2', 'x1', 'x2', 'x3']
  expect(a.applied).toEqual(all)
  // Followers apply every entry the usual way and never hold.
  for (const id of ['b', 'c']) {
    const f = machines.get(id)!
    await appliedOn(f, 'x3')
    expect(f.applied, id).toEqual(all)
    expect(f.events.some((e) => e.startsWith('hold')), id).toBe(false)
  }
}, 20_000)

test('a leader cut off with a held write drops it; the entry the new leader commits there is applied instead', async () => {
  const { byId, machines, cut } = cluster()
  const old = await leaderIs(byId, 'a')
  const a = machines.get('a')!
  await old.propose(text('before'), 5_000)
  await appliedOn(a, 'before')
  cut.add('a')
  const lost = old.propose(text('lost'), 2_000).catch((e: unknown) => e)
  for (let i = 0; i < 100 && !a.held; i++) await sleep(5)
  expect(a.held?.data).toBe('lost')
  const next = await leaderIs(byId, 'b')
  expect(await next.propose(text('won'), 5_000)).toBe('b:won')
  cut.delete('a')
  await appliedOn(a, 'won')
  expect(await lost).toBeInstanceOf(Error)
  expect(a.events).toContain('drop lost')
  expect(a.applied).toEqual(['before', 'won'])
  expect(a.events.some((e) => e === 'answer lost' || e === 'apply lost')).toBe(false)
}, 20_000)

test('an apply that fails after its write was answered stops the node', async () => {
  const { byId } = cluster((data) => data === 'doomed')
  const leader = await leaderIs(byId, 'a')
  expect(await leader.propose(text('doomed'), 5_000)).toBe('a:doomed') // answered before the failure
  for (let i = 0; i < 100; i++) {
    const next = await leader.propose(text('after'), 1_000).catch((e: unknown) => e)
    if (next instanceof Error) {
      expect(next.message).toMatch(/node stopped: the commit of doomed failed/)
      return
    }
    await sleep(10)
  }
  throw new Error('the node kept running after an answered apply failed')
}, 20_000)

test('a write appended while an earlier committed entry still waits to be applied is not held', async () => {
  const { byId, machines } = cluster()
  const leader = await leaderIs(byId, 'a')
  const a = machines.get('a')!
  const slow = leader.propose(text('slow'), 5_000) // applied the usual way, for 150 ms
  await sleep(20)
  const before = leader.propose(text('b'), 5_000) // commits meanwhile, waits behind it
  await sleep(40)
  const after = leader.propose(text('c'), 5_000) // appended alone: but b is not applied yet
  expect(await Promise.all([slow, before, after])).toEqual(['a:slow', 'a:b', 'a:c'])
  await appliedOn(a, 'c')
  expect(a.applied).toEqual(['slow', 'b', 'c'])
  expect(a.events.filter((e) => e.startsWith('stale'))).toEqual([])
  expect(a.events).not.toContain('hold c')
}, 20_000)
