/**
 * Register histories from a simulated real register, for the checker's tests: clients each with
 * one op in flight, every op taking effect at a moment inside its interval (so the history is
 * linearizable by construction), and indeterminate writes that take effect late — long after
 * their client gave up — or never. `corrupt` then breaks it on purpose.
 */
import { Prng } from './prng.ts'
import type { RegisterEvent } from './register-search.ts'

export interface SimulatedOptions {
  ops: number
  clients: number
  /** Share of writes among ops. */
  writes: number
  /** Share of writes whose outcome the client never learns. */
  indeterminate: number
  /** Of those, the share that never takes effect. */
  lost: number
  /** Longest op, and longest pause between a client's ops (long pauses leave quiescent points). */
  maxDuration: number
  maxPause: number
  /** How late an indeterminate write may take effect, in longest ops after its invocation. */
  maxLate?: number
}

export function simulateRegister(seed: number, o: SimulatedOptions): RegisterEvent[] {
  const prng = new Prng(seed)
  const clock = Array.from({ length: o.clients }, () => 0)
  const drafts: { e: RegisterEvent; at: number | undefined }[] = []
  for (let id = 0; id < o.ops; id++) {
    const c = prng.int(0, o.clients - 1)
    const start = clock[c]! + prng.next() * o.maxPause
    const duration = prng.next() * o.maxDuration
    const write = prng.next() < o.writes
    const unknown = write && prng.next() < o.indeterminate
    // An indeterminate write lands anywhere up to `maxLate` longest ops after its invocation, or never.
    const at = unknown ? (prng.next() < o.lost ? undefined : start + prng.next() * (o.maxLate ?? 20) * o.maxDuration) : start + prng.next() * duration
    clock[c] = start + duration
    const e: RegisterEvent = { id, f: write ? 'write' : 'read', value: write ? id + 1 : null, start, end: unknown ? Infinity : start + duration, required: !unknown }
    drafts.push({ e, at })
  }
  let value: number | null = null
  for (const { e } of [...drafts].filter((d) => d.at !== undefined).sort((a, b) => a.at! - b.at!)) {
    if (e.f === 'write') value = e.value
    else e.value = value
  }
  return drafts.map((d) => d.e)
}

/** The same history with one read made to return another value (null or some write's). */
export function corrupt(events: RegisterEvent[], seed: number): RegisterEvent[] {
  const prng = new Prng(seed)
  const reads = events.filter((e) => e.f === 'read')
  if (reads.length === 0) return events
  const victim = prng.pick(reads)
  const values = [null, ...events.filter((e) => e.f === 'write').map((e) => e.value)].filter((v) => v !== victim.value)
  const value = prng.pick(values)
  return events.map((e) => (e === victim ? { ...e, value } : e))
}
