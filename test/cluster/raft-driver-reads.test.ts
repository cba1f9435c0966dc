// Reads through the driver: ReadIndex contexts never collide between nodes, and a new leader
// serves a local (`weak`) read only once it has applied an entry of its own term, so the read
// sees every write the previous leader acknowledged.
import { afterEach, expect, test } from 'vitest'
import { MemoryLogStore } from '../../src/cluster/memory-log-store.ts'
import { READ_RETRY_MS, RaftDriver } from '../../src/cluster/raft-driver.ts'
import { systemClock } from '../../src/ports/clock.ts'
import { globalTimers } from '../../src/ports/timers.ts'
import { bootstrapState } from '../../src/raft/conf-change.ts'
import type { Message } from '../../src/raft/messages.ts'
import { RaftNode } from '../../src/raft/raft-node.ts'
import { createSeededRandom } from '../../src/raft/random.ts'

const turn = () => new Promise((r) => setTimeout(r, 2))
const text = (s: string) => new TextEncoder().encode(s)

/** Drivers wired by a queue the test delivers from, dropping what `drop` says is lost. */
class Cluster {
  readonly drivers = new Map<string, RaftDriver>()
  readonly applied = new Map<string, string[]>()
  queue: Message[] = []
  drop: (m: Message) => boolean = () => false

  constructor(ids: string[]) {
    const boot = bootstrapState(ids)
    for (const [i, id] of ids.entries()) {
      const log = new MemoryLogStore()
      log.append(boot.entries)
      log.setHardState(boot.hardState)
      const applied: string[] = []
      this.applied.set(id, applied)
      const raft = new RaftNode({ id, storage: log, random: createSeededRandom(i + 1), electionTick: 1000, heartbeatTick: 1, preVote: false, checkQuorum: false, applied: 0 })
      const driver = new RaftDriver({
        raft,
        log,
        fsm: { apply: (e) => applied.push(new TextDecoder().decode(e.data)), applyConfChange: () => {}, installSnapshot: () => {} },
        transport: { send: (ms) => this.queue.push(...ms) },
        timers: globalTimers,
        clock: systemClock,
        tickMs: 10, // heartbeats every 10 ms; elections only when the test campaigns (10 s timeouts)
        applied: 0,
        readContextNonce: `n${i}`,
      })
      driver.start()
      this.drivers.set(id, driver)
    }
  }

  driver(id: string): RaftDriver {
    return this.drivers.get(id) as RaftDriver
  }

  /** Delivers queued messages for `rounds` turns (or until `done`). */
  async run(done: () => boolean = () => false, rounds = 50): Promise<void> {
    for (let i = 0; i < rounds && !done(); i++) {
      await turn()
      const batch = this.queue
      this.queue = []
      for (const m of batch) if (!this.drop(m)) this.driver(m.to)?.step(m)
    }
  }

  stop(): void {
    for (const d of this.drivers.values()) d.stop()
  }
}

let cluster: Cluster | undefined
afterEach(() => cluster?.stop())

async function elect(c: Cluster, id: string): Promise<void> {
  c.driver(id).campaign()
  const last = () => c.driver(id).raft.status().lastIndex
  await c.run(() => [...c.drivers.values()].every((d) => d.leader === id && d.applied >= last()))
  expect(c.driver(id).role).toBe('leader')
}

test("the leader's own read and one forwarded by a follower both get answered (contexts never collide)", async () => {
  cluster = new Cluster(['a', 'b', 'c'])
  await elect(cluster, 'a')
  // b still forwards ReadIndex requests to a (as a node that was leader and has not noticed
  // does). Both are the first read of their process: before, both were called "r1", and a
  // silently dropped one of them, which then timed out.
  const reads = Promise.allSettled([cluster.driver('a').readIndex(2_000), cluster.driver('b').readIndex(2_000)])
  await cluster.run(() => false, 40)
  const [fromLeader, forwarded] = await reads
  expect(fromLeader.status).toBe('fulfilled')
  expect(forwarded.status).toBe('fulfilled')
})

test('a weak read on a newly elected leader sees every write the old leader acknowledged', async () => {
  cluster = new Cluster(['a', 'b', 'c'])
  const c = cluster
  await elect(c, 'a')
  const before = c.driver('b').applied

  // a replicates W to b and c and applies it (the client is answered); the commit index that
  // would tell b about it never reaches b.
  const write = c.driver('a').propose(text('W'), 2_000)
  let answered = false
  void write.then(() => (answered = true))
  const wIndex = before + 1
  c.drop = (m) => m.from === 'a' && m.to === 'b' && (m.type === 'append' || m.type === 'heartbeat') && m.commit >= wIndex
  await c.run(() => answered)
  expect(answered).toBe(true)
  expect(c.applied.get('b')).not.toContain('W')

  // a is cut off; b wins the next term. c's acks of b's first entry are held back, so b is
  // leader but has not yet committed (or applied) anything of its term.
  let holdAcks = true
  c.drop = (m) => m.from === 'a' || m.to === 'a' || (holdAcks && m.from === 'c' && m.to === 'b' && m.type === 'appendResp')
  c.driver('b').campaign()
  await c.run(() => c.driver('b').role === 'leader')
  expect(c.driver('b').role).toBe('leader')
  expect(c.applied.get('b')).not.toContain('W')
  expect(c.driver('b').leaderCaughtUp).toBe(false)

  // What the node does for a `weak` read on a leader: wait until caught up, then read locally.
  const weakRead = (async () => {
    if (!c.driver('b').leaderCaughtUp) await c.driver('b').waitLeaderCaughtUp(2_000)
    return [...(c.applied.get('b') as string[])]
  })()
  let served = false
  void weakRead.then(() => (served = true))
  await c.run(() => false, 5)
  expect(served).toBe(false)

  holdAcks = false
  await c.run(() => served)
  expect(await weakRead).toContain('W')
  expect(c.driver('b').leaderCaughtUp).toBe(true)
})

test('a leader that loses its leadership while a weak read waits fails that read', async () => {
  cluster = new Cluster(['a', 'b', 'c'])
  const c = cluster
  await elect(c, 'a')
  c.drop = (m) => m.to === 'b' && m.type === 'appendResp'
  c.driver('b').campaign()
  await c.run(() => c.driver('b').role === 'leader')
  expect(c.driver('b').role).toBe('leader')
  const waiting = c.driver('b').waitLeaderCaughtUp(5_000).then(() => 'served', (e: Error) => e.message)
  c.drop = (m) => m.from === 'b' || m.to === 'b'
  c.driver('c').campaign()
  await c.run(() => c.driver('c').role === 'leader')
  expect(c.driver('c').role).toBe('leader')
  // b hears of the new term and steps down.
  c.drop = () => false
  await c.run(() => c.driver('b').role !== 'leader')
  expect(await waiting).toMatch(/leadership lost/)
})

test('reads asked together share ReadIndex rounds: a few heartbeat rounds, not one per read, and each sees what was written before it', async () => {
  cluster = new Cluster(['a', 'b', 'c'])
  const c = cluster
  await elect(c, 'a')
  const leader = c.driver('a')
  const write = leader.propose(text('before the reads'), 2_000)
  await c.run(() => c.applied.get('a')!.includes('before the reads'))
  await write
  const rounds = leader.readIndexRounds
  // The read contexts heartbeats carry (a periodic heartbeat carries the pending one, if any).
  const contexts = new Set<string>()
  c.drop = (m) => {
    if (m.type === 'heartbeat' && m.from === 'a' && m.context) contexts.add(m.context)
    return false
  }
  let served = 0
  const reads = Array.from({ length: 30 }, () => leader.readIndex(2_000).then(() => {
    served++
    return [...c.applied.get('a')!]
  }))
  await c.run(() => served === 30)
  for (const seen of await Promise.all(reads)) expect(seen).toContain('before the reads')
  // The first read's round, then one for the 29 that arrived while it was in flight.
  expect(leader.readIndexRounds - rounds).toBe(2)
  expect(contexts.size).toBe(2)
})

/** Settles to what became of a read: "served" or its error's message. */
const outcome = (p: Promise<void>) => p.then(() => 'served', (e: Error) => e.message)

test('reads waiting for the next round when the leader steps down are served through the new leader, not left to time out', async () => {
  cluster = new Cluster(['a', 'b', 'c'])
  const c = cluster
  await elect(c, 'a')
  c.drop = (m) => m.from === 'a' || m.to === 'a' // a is cut off: its round cannot complete
  const inFlight = outcome(c.driver('a').readIndex(3_000))
  await c.run(() => false, 2)
  let waiting: string | null = null
  void outcome(c.driver('a').readIndex(3_000)).then((s) => (waiting = s)) // waits for the next round
  c.driver('b').campaign()
  await c.run(() => c.driver('b').role === 'leader' && c.driver('b').leaderCaughtUp)
  // a hears of b and steps down: its round fails; the next starts at once and goes to b.
  c.drop = () => false
  await c.run(() => c.driver('a').role !== 'leader')
  expect(await inFlight).toMatch(/leadership lost/)
  await c.run(() => waiting !== null, 100) // a few hundred ms, well inside the 3 s deadline
  expect(waiting).toBe('served')
})

test('a lost forwarded ReadIndex request is asked again, so the reads behind it do not wait for its deadline', async () => {
  cluster = new Cluster(['a', 'b', 'c'])
  const c = cluster
  await elect(c, 'a')
  let lost = 0
  c.drop = (m) => m.type === 'readIndex' && m.from === 'b' && lost++ === 0
  const started = Date.now()
  let first: string | null = null
  let second: string | null = null
  void outcome(c.driver('b').readIndex(5_000)).then((s) => (first = s))
  await c.run(() => false, 10)
  void outcome(c.driver('b').readIndex(5_000)).then((s) => (second = s))
  await c.run(() => first !== null && second !== null, 1_000)
  expect({ first, second }).toEqual({ first: 'served', second: 'served' })
  expect(lost).toBeGreaterThanOrEqual(3) // the lost request, the same round asked again, the next round
  expect(Date.now() - started).toBeLessThan(READ_RETRY_MS + 1_500) // not the 5 s deadline
})
