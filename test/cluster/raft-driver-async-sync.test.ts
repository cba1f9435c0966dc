// The driver with a log that fsyncs off the thread: what arrives while the disk works joins the
// next Ready (one more fsync for all of it), work that writes the log waits between Readys, and
// nothing is applied or acknowledged before its fsync completes.
import { expect, test } from 'vitest'
import { MemoryLogStore } from '../../src/cluster/memory-log-store.ts'
import { RaftDriver } from '../../src/cluster/raft-driver.ts'
import { systemClock } from '../../src/ports/clock.ts'
import { globalTimers } from '../../src/ports/timers.ts'
import { bootstrapState } from '../../src/raft/conf-change.ts'
import { RaftNode } from '../../src/raft/raft-node.ts'
import { createSeededRandom } from '../../src/raft/random.ts'
import type { Entry } from '../../src/raft/types.ts'

/** A log whose fsyncs complete only when the test says so. */
class GatedLog extends MemoryLogStore {
  readonly events: string[] = []
  #release: (() => void)[] = []
  override append(entries: readonly Entry[]): void {
    super.append(entries)
    this.events.push(`append ${entries.map((e) => new TextDecoder().decode(e.data) || '-').join(',')}`)
  }
  syncAsync(): Promise<void> {
    this.events.push('fsync')
    return new Promise((resolve) => this.#release.push(resolve))
  }
  get waiting(): number {
    return this.#release.length
  }
  /** Completes the oldest fsync. */
  complete(): void {
    this.#release.shift()?.()
  }
}

const text = (s: string) => new TextEncoder().encode(s)
const turn = () => new Promise((r) => setTimeout(r, 5))

async function singleNode() {
  const log = new GatedLog()
  const { entries, hardState } = bootstrapState(['a'])
  log.append(entries)
  log.setHardState(hardState)
  log.events.length = 0
  const applied: string[] = []
  const driver = new RaftDriver({
    raft: new RaftNode({ id: 'a', storage: log, random: createSeededRandom(1), electionTick: 10, heartbeatTick: 1, applied: 0 }),
    log,
    fsm: { apply: (e) => applied.push(new TextDecoder().decode(e.data)), applyConfChange: () => {}, installSnapshot: () => {} },
    transport: { send: () => {} },
    timers: globalTimers,
    clock: systemClock,
    tickMs: 1000,
    applied: 0,
  })
  driver.start()
  driver.campaign()
  // Becoming leader appends an empty entry: let that Ready's fsync through.
  while (driver.role !== 'leader') {
    await turn()
    log.complete()
  }
  await turn()
  while (log.waiting > 0) {
    log.complete()
    await turn()
  }
  log.events.length = 0
  return { log, driver, applied }
}

test('proposals made while the disk works are accepted and share the next fsync', async () => {
  const { log, driver, applied } = await singleNode()
  const a = driver.propose(text('A'), 5000)
  await turn()
  expect(log.waiting).toBe(1)
  const b = driver.propose(text('B'), 5000)
  const c = driver.propose(text('C'), 5000)
  const between = driver.betweenReadys(() => log.events.push('between'))
  await turn()
  expect(applied).toEqual([]) // not before its fsync
  expect(log.events).toEqual(['append A', 'fsync'])
  log.complete()
  expect(await a).toBe(1)
  await between
  await turn()
  expect(log.events).toEqual(['append A', 'fsync', 'between', 'append B,C', 'fsync'])
  expect(applied).toEqual(['A'])
  log.complete()
  await Promise.all([b, c])
  expect(applied).toEqual(['A', 'B', 'C'])
  driver.stop()
})

test('stopped while an fsync is under way: nothing more is applied, and idle() waits for the disk', async () => {
  const { log, driver, applied } = await singleNode()
  const a = driver.propose(text('A'), 5000)
  await turn()
  driver.stop()
  await expect(a).rejects.toThrow(/store not open/)
  let idle = false
  const settled = driver.idle().then(() => (idle = true))
  await turn()
  expect(idle).toBe(false)
  log.complete()
  await settled
  expect(applied).toEqual([])
})

test('work between Readys that awaits (a snapshot fsyncing the log) holds every Ready until it settles, then the rest goes in turn', async () => {
  const { log, driver, applied } = await singleNode()
  let finish = () => {}
  const held = driver.betweenReadysAsync(async () => {
    log.events.push('snapshot sync')
    await new Promise<void>((resolve) => (finish = resolve))
    log.events.push('snapshot synced')
    return 'done'
  })
  const a = driver.propose(text('A'), 5000)
  const later = driver.betweenReadys(() => log.events.push('between'))
  const second = driver.betweenReadysAsync(async () => void log.events.push('second'))
  await turn()
  await turn()
  expect(log.events).toEqual(['snapshot sync']) // A waits: the log is not written meanwhile
  finish()
  expect(await held).toBe('done')
  await later
  await second
  await turn()
  expect(log.events).toEqual(['snapshot sync', 'snapshot synced', 'between', 'second', 'append A', 'fsync'])
  log.complete()
  expect(await a).toBe(1)
  expect(applied).toEqual(['A'])

  // A failure is the work's own: the driver goes on.
  await expect(driver.betweenReadysAsync(() => Promise.reject(new Error('disk full')))).rejects.toThrow('disk full')
  await expect(driver.betweenReadysAsync(() => { throw new Error('at once') })).rejects.toThrow('at once')
  const b = driver.propose(text('B'), 5000)
  await turn()
  log.complete()
  expect(await b).toBe(2)
  driver.stop()
})

test('idle() waits for work between Readys that awaits', async () => {
  const { driver } = await singleNode()
  let finish = () => {}
  void driver.betweenReadysAsync(() => new Promise<void>((resolve) => (finish = resolve)))
  let idle = false
  const settled = driver.idle().then(() => (idle = true))
  await turn()
  expect(idle).toBe(false)
  finish()
  await settled
  driver.stop()
})

test('work between Readys that awaits runs between two Readys under steady load, not only once they stop coming', async () => {
  const { log, driver } = await singleNode()
  const proposals: Promise<unknown>[] = [driver.propose(text('P0'), 60_000)]
  await turn()
  expect(log.waiting).toBe(1) // P0's fsync under way
  let ran = false
  const held = driver.betweenReadysAsync(async () => {
    log.events.push('snapshot work')
    ran = true
  })
  for (let i = 1; i <= 10; i++) {
    proposals.push(driver.propose(text(`P${i}`), 60_000)) // one proposal arrives during every fsync
    log.complete()
    await turn()
  }
  expect(ran).toBe(true)
  // Right after the Ready whose fsync was under way, before the next one's append.
  expect(log.events.slice(0, 4)).toEqual(['append P0', 'fsync', 'snapshot work', 'append P1'])
  while (log.waiting > 0) {
    log.complete()
    await turn()
  }
  await held
  await Promise.all(proposals)
  driver.stop()
})
