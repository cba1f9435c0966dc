// A state machine that answers with a promise (the engine in a worker): a long apply does not
// hold the Ready loop, so heartbeats keep the followers from campaigning (short election
// timeouts here), entries are applied in log order, and proposals resolve once applied.
import { afterEach, expect, test } from 'vitest'
import { MemoryLogStore } from '../../src/cluster/memory-log-store.ts'
import { RaftDriver } from '../../src/cluster/raft-driver.ts'
import { systemClock } from '../../src/ports/clock.ts'
import { globalTimers } from '../../src/ports/timers.ts'
import { bootstrapState } from '../../src/raft/conf-change.ts'
import type { Message } from '../../src/raft/messages.ts'
import { RaftNode } from '../../src/raft/raft-node.ts'
import { createSeededRandom } from '../../src/raft/random.ts'

const text = (s: string) => new TextEncoder().encode(s)
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

let drivers: RaftDriver[] = []
afterEach(() => {
  for (const d of drivers) d.stop()
  drivers = []
})

function cluster(applyMs: (data: string) => number, runs?: Map<string, number[]>, singles?: Map<string, string[]>) {
  const ids = ['a', 'b', 'c']
  const boot = bootstrapState(ids)
  const byId = new Map<string, RaftDriver>()
  const applied = new Map<string, string[]>()
  for (const [i, id] of ids.entries()) {
    const log = new MemoryLogStore()
    log.append(boot.entries)
    log.setHardState(boot.hardState)
    const seen: string[] = []
    applied.set(id, seen)
    runs?.set(id, [])
    singles?.set(id, [])
    const raft = new RaftNode({ id, storage: log, random: createSeededRandom(i + 1), electionTick: 10, heartbeatTick: 1, applied: 0 })
    const driver = new RaftDriver({
      raft,
      log,
      // Off-thread work: the promise settles later, the thread stays free meanwhile.
      fsm: {
        apply: async (e) => {
          const data = new TextDecoder().decode(e.data)
          singles?.get(id)?.push(data)
          await sleep(applyMs(data))
          seen.push(data)
          return `${id}:${data}`
        },
        // With `runs`: entries queued behind an apply come as one run (a worker's applyBatches).
        applyRun: runs
          ? async (entries) => {
              runs.get(id)!.push(entries.length)
              await sleep(5)
              return entries.map(({ entry }) => {
                const data = new TextDecoder().decode(entry.data)
                if (data === 'bad') return { ok: false as const, error: new Error(`${id} refused ${data}`) }
                seen.push(data)
                return { ok: true as const, value: `${id}:${data}` }
              })
            }
          : undefined,
        applyConfChange: () => {},
        installSnapshot: () => {},
        offThread: singles !== undefined,
      },
      transport: { send: (ms: readonly Message[]) => setTimeout(() => { for (const m of ms) byId.get(m.to)?.step(m) }, 1) },
      timers: globalTimers,
      clock: systemClock,
      tickMs: 20, // heartbeats every 20 ms, elections after 200-400 ms without one
      applied: 0,
    })
    byId.set(id, driver)
    drivers.push(driver)
  }
  for (const d of byId.values()) d.start()
  return { byId, applied }
}

test('a long asynchronous apply keeps the leader, applies in log order and resolves proposals in turn', async () => {
  const { byId, applied } = cluster((data) => (data === 'heavy' ? 1500 : 0))
  byId.get('a')!.campaign()
  for (let i = 0; i < 200 && byId.get('a')!.role !== 'leader'; i++) await sleep(10)
  const leader = byId.get('a')!
  expect(leader.role).toBe('leader')
  const term = leader.raft.status().term
  const order: string[] = []
  const heavy = leader.propose(text('heavy'), 10_000).then((r) => order.push(String(r)))
  await sleep(50)
  const light = leader.propose(text('light'), 10_000).then((r) => order.push(String(r)))
  // While the heavy entry is applied everywhere (1.5 s, seven election timeouts), nothing changes hands.
  await Promise.all([heavy, light])
  expect(order).toEqual(['a:heavy', 'a:light'])
  for (const [id, d] of byId) {
    expect(d.raft.status().term, id).toBe(term)
    expect(d.leader, id).toBe('a')
  }
  for (let i = 0; i < 300 && [...applied.values()].some((s) => s.length < 2); i++) await sleep(10)
  for (const [id, seen] of applied) expect(seen.filter((s) => s !== ''), id).toEqual(['heavy', 'light'])
}, 20_000)

test('entries that queue behind an asynchronous apply are applied as runs, in order, each proposal settled on its own', async () => {
  const runs = new Map<string, number[]>()
  const { byId, applied } = cluster((data) => (data === 'heavy' ? 800 : 0), runs)
  byId.get('a')!.campaign()
  for (let i = 0; i < 200 && byId.get('a')!.role !== 'leader'; i++) await sleep(10)
  const leader = byId.get('a')!
  expect(leader.role).toBe('leader')
  const heavy = leader.propose(text('heavy'), 10_000)
  await sleep(50)
  const names = Array.from({ length: 30 }, (_, i) => (i === 7 ? 'bad' : `w${i}`))
  const settled = await Promise.allSettled([heavy, ...names.map((n) => leader.propose(text(n), 10_000))])
  expect(settled[0]).toEqual({ status: 'fulfilled', value: 'a:heavy' })
  for (const [i, n] of names.entries()) {
    if (n === 'bad') expect(settled[i + 1]).toMatchObject({ status: 'rejected', reason: { message: 'a refused bad' } })
    else expect(settled[i + 1]).toEqual({ status: 'fulfilled', value: `a:${n}` })
  }
  const expected = ['heavy', ...names.filter((n) => n !== 'bad')]
  for (let i = 0; i < 300 && [...applied.values()].some((s) => s.filter((x) => x !== '').length < expected.length); i++) await sleep(10)
  for (const [id, seen] of applied) expect(seen.filter((s) => s !== ''), id).toEqual(expected)
  // The 30 entries proposed during the heavy apply went in a few runs, not one call each.
  const leaderRuns = runs.get('a')!
  expect(leaderRuns.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(names.length)
  expect(leaderRuns.length).toBeLessThan(names.length / 3)
}, 20_000)

test('entries committed together go to a state machine off the thread as one run, not the first alone and the rest after', async () => {
  const runs = new Map<string, number[]>()
  const singles = new Map<string, string[]>()
  const { byId, applied } = cluster(() => 0, runs, singles)
  byId.get('a')!.campaign()
  for (let i = 0; i < 200 && byId.get('a')!.role !== 'leader'; i++) await sleep(10)
  const leader = byId.get('a')!
  expect(leader.role).toBe('leader')
  await leader.propose(text('first'), 10_000)
  for (const id of byId.keys()) {
    singles.get(id)!.length = 0
    runs.get(id)!.length = 0
  }
  // Proposed in one turn: appended in one Ready, committed together once a follower acknowledges.
  const names = Array.from({ length: 10 }, (_, i) => `x${i}`)
  const results = await Promise.all(names.map((n) => leader.propose(text(n), 10_000)))
  expect(results).toEqual(names.map((n) => `a:${n}`))
  expect(singles.get('a')).toEqual([])
  expect(runs.get('a')).toEqual([10])
  for (let i = 0; i < 300 && [...applied.values()].some((s) => !s.includes('x9')); i++) await sleep(10)
  for (const [id, seen] of applied) expect(seen.filter((s) => s.startsWith('x')), id).toEqual(names)
}, 20_000)
