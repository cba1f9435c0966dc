/**
 * A linearizability checker for a read/write register, one key at a time (linearizability is
 * compositional, so a history of many keys is linearizable iff each key's is).
 *
 * Wing & Gong's search with Lowe's memoisation (the approach of Knossos and porcupine): try to
 * order the operations so that each takes effect between its invocation and its completion and
 * every read returns the latest write (`register-search.ts`). An indeterminate write may take
 * effect at any time after its invocation, or never; an indeterminate read constrains nothing
 * and is left out. Before the search, indeterminate writes are dropped or bounded by the reads
 * that saw them, and the history is cut where nothing is in flight; each stretch is searched
 * from every value the previous one can leave (`register-prune.ts`). The search is bounded:
 * past `maxStates` the verdict is `unknown`, never a guess.
 */
import type { Op } from './history.ts'
import { pruneIndeterminate, splitAtQuiescence } from './register-prune.ts'
import { type RegisterEvent, searchStretch, type Value } from './register-search.ts'

export type { RegisterEvent }

export type Verdict = 'linearizable' | 'not-linearizable' | 'unknown'

export interface KeyResult {
  key: number
  verdict: Verdict
  ops: number
  states: number
  /** For not-linearizable: a small sub-history that is still not linearizable. */
  counterexample?: RegisterEvent[]
}

export const DEFAULT_MAX_STATES = 2_000_000

/** The register's events from a history: acknowledged ops, indeterminate writes; failures left out. */
export function registerEvents(ops: Op[], levels: ReadonlyArray<string> = ['linearizable', 'strong']): Map<number, RegisterEvent[]> {
  const byKey = new Map<number, RegisterEvent[]>()
  for (const op of ops) {
    if (op.workload !== 'register' || op.key === undefined) continue
    if (op.outcome === 'fail') continue
    if (op.f === 'read' && (op.outcome !== 'ok' || !levels.includes(op.level ?? 'weak'))) continue
    if (op.f !== 'read' && op.f !== 'write') continue
    const event: RegisterEvent = {
      id: op.id,
      f: op.f,
      value: op.value ?? null,
      start: op.start,
      end: op.outcome === 'ok' ? op.end : Infinity,
      required: op.outcome === 'ok',
    }
    const list = byKey.get(op.key) ?? []
    list.push(event)
    byKey.set(op.key, list)
  }
  return byKey
}

export interface SearchResult {
  verdict: Verdict
  states: number
  /** How many quiescent stretches the history was cut into. */
  stretches: number
}

/** An op that may be left out is open to the end, whatever completion it carries. */
const normalise = (events: RegisterEvent[]): RegisterEvent[] => events.map((e) => (e.required || e.end === Infinity ? e : { ...e, end: Infinity })).sort((a, b) => a.start - b.start)

/** Is this history of one register (initially `initial`) linearizable? */
export function searchRegister(events: RegisterEvent[], initial: Value = null, maxStates = DEFAULT_MAX_STATES): SearchResult {
  const stretches = splitAtQuiescence(normalise(pruneIndeterminate(events)))
  let starts = new Set<Value>([initial])
  let states = 0
  for (const [i, stretch] of stretches.entries()) {
    const last = i === stretches.length - 1
    const r = searchStretch(stretch, starts, last ? 'any' : 'all', maxStates - states)
    states += r.states
    if (r.exhausted) return { verdict: 'unknown', states, stretches: stretches.length }
    if (r.finals.size === 0) return { verdict: 'not-linearizable', states, stretches: stretches.length }
    starts = r.finals
  }
  return { verdict: 'linearizable', states, stretches: stretches.length }
}

/** The search without the reductions: one stretch, indeterminate writes open. The reference. */
export function searchRegisterPlain(events: RegisterEvent[], initial: Value = null, maxStates = DEFAULT_MAX_STATES): SearchResult {
  const r = searchStretch(normalise(events), [initial], 'any', maxStates)
  const verdict = r.exhausted ? 'unknown' : r.finals.size > 0 ? 'linearizable' : 'not-linearizable'
  return { verdict, states: r.states, stretches: 1 }
}

/**
 * Shrinks a non-linearizable history to a small one that is still not linearizable: first the
 * shortest prefix (ops invoked before some completion) that fails, then ever smaller chunks of
 * ops dropped while it still fails, down to single ops. Dropping a write drops the reads of its
 * value too, so a "read of a value nobody wrote" is never manufactured by the shrinking itself
 * (and a sub-history that fails proves the whole one fails). Bounded by `budgetMs`.
 */
export function shrinkCounterexample(events: RegisterEvent[], initial: number | null = null, budgetMs = 5_000, maxStates = 200_000): RegisterEvent[] {
  const deadline = Date.now() + budgetMs
  const fails = (h: RegisterEvent[]) => h.length > 0 && searchRegister(h, initial, maxStates).verdict === 'not-linearizable'
  const dropping = (h: RegisterEvent[], victims: Set<RegisterEvent>) => {
    const gone = new Set([...victims].filter((e) => e.f === 'write').map((e) => e.value))
    return h.filter((e) => !victims.has(e) && !(e.f === 'read' && gone.has(e.value)))
  }
  let current = [...events].sort((a, b) => a.start - b.start)
  const cuts = [...new Set(current.filter((e) => e.required).map((e) => e.end))].sort((a, b) => a - b)
  const prefixAt = (cut: number) => dropping(current, new Set(current.filter((e) => e.start > cut)))
  let lo = 0
  let hi = cuts.length - 1
  while (lo < hi && Date.now() < deadline) {
    const mid = (lo + hi) >> 1
    if (fails(prefixAt(cuts[mid]!))) hi = mid
    else lo = mid + 1
  }
  const prefix = prefixAt(cuts[lo] ?? Infinity)
  if (fails(prefix)) current = prefix
  for (let size = current.length >> 1; size >= 1 && Date.now() < deadline; size >>= 1) {
    // From the end: the failure is at the end of the shortest failing prefix.
    for (let to = current.length; to > 0 && Date.now() < deadline; to -= size) {
      const without = dropping(current, new Set(current.slice(Math.max(0, to - size), to)))
      if (fails(without)) {
        current = without
        to = Math.min(to, current.length + size)
      }
    }
  }
  return current
}

/** Checks every key; a failing key comes with its shrunk counterexample. */
export function checkRegisters(byKey: Map<number, RegisterEvent[]>, maxStates = DEFAULT_MAX_STATES): KeyResult[] {
  const results: KeyResult[] = []
  for (const [key, events] of [...byKey].sort((a, b) => a[0] - b[0])) {
    const { verdict, states } = searchRegister(events, null, maxStates)
    const result: KeyResult = { key, verdict, ops: events.length, states }
    if (verdict === 'not-linearizable') result.counterexample = shrinkCounterexample(events)
    results.push(result)
  }
  return results
}

export interface WeakReadViolation {
  key: number
  read: Op
  reason: string
}

/**
 * What `weak` and `none` promise: a read returns the initial value or a value some write put
 * there, a write invoked before the read completed and not one that certainly failed. (They may
 * be stale, so nothing is said about which write.)
 */
export function checkWeakReads(ops: Op[], levels: ReadonlyArray<string> = ['weak', 'none']): WeakReadViolation[] {
  const writes = new Map<number, Op>()
  for (const op of ops) if (op.workload === 'register' && op.f === 'write' && typeof op.value === 'number') writes.set(op.value, op)
  const violations: WeakReadViolation[] = []
  for (const op of ops) {
    if (op.workload !== 'register' || op.f !== 'read' || op.outcome !== 'ok' || !levels.includes(op.level ?? 'weak')) continue
    if (op.value === null || op.value === undefined) continue
    const write = writes.get(op.value)
    if (!write) violations.push({ key: op.key!, read: op, reason: `read ${op.value}, which no client wrote` })
    else if (write.key !== op.key) violations.push({ key: op.key!, read: op, reason: `read ${op.value}, written to key ${write.key}` })
    else if (write.outcome === 'fail') violations.push({ key: op.key!, read: op, reason: `read ${op.value}, whose write failed (op ${write.id})` })
    else if (write.start > op.end) violations.push({ key: op.key!, read: op, reason: `read ${op.value} before its write was invoked (op ${write.id})` })
  }
  return violations
}
