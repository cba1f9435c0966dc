/**
 * A linearizability checker for a read/write register, one key at a time (linearizability is
 * compositional, so a history of many keys is linearizable iff each key's is).
 *
 * Wing & Gong's search with Lowe's memoisation (the approach of Knossos and porcupine): try to
 * order the operations so that each takes effect between its invocation and its completion and
 * every read returns the latest write. A state is (the set of operations already ordered, the
 * register's value); a state seen once is never searched again. An indeterminate write may take
 * effect at any time after its invocation, or never; an indeterminate read constrains nothing
 * and is left out. The search is bounded: past `maxStates` the verdict is `unknown`, never a
 * guess.
 */
import type { Op } from './history.ts'

export interface RegisterEvent {
  id: number
  f: 'read' | 'write'
  value: number | null
  start: number
  /** Infinity when the outcome is unknown. */
  end: number
  /** Must be placed (acknowledged); an indeterminate write need not be. */
  required: boolean
}

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

interface SearchResult {
  verdict: Verdict
  states: number
}

/** Is this history of one register (initially `initial`) linearizable? */
export function searchRegister(events: RegisterEvent[], initial: number | null = null, maxStates = DEFAULT_MAX_STATES): SearchResult {
  const ops = [...events].sort((a, b) => a.start - b.start)
  const n = ops.length
  const required = ops.reduce((count, op) => count + (op.required ? 1 : 0), 0)
  const done = new Uint8Array(n)
  const seen = new Set<string>()
  let states = 0
  // Iterative DFS: each frame is the op placed at that depth, so it can be undone.
  const placed: number[] = []
  const values: (number | null)[] = [initial]
  const nextCandidate: number[] = [0]
  let requiredPlaced = 0

  const stateKey = (value: number | null): string => {
    let bits = ''
    for (let i = 0; i < n; i += 16) {
      let word = 0
      for (let j = i; j < Math.min(n, i + 16); j++) if (done[j]) word |= 1 << (j - i)
      bits += String.fromCharCode(word)
    }
    return `${bits}|${value}`
  }

  while (true) {
    if (requiredPlaced === required) return { verdict: 'linearizable', states }
    const depth = placed.length
    const value = values[depth]!
    // The earliest completion among unplaced ops: nothing that started after it may go next.
    let minEnd = Infinity
    for (let i = 0; i < n; i++) if (!done[i] && ops[i]!.end < minEnd) minEnd = ops[i]!.end
    let advanced = false
    for (let i = nextCandidate[depth]!; i < n; i++) {
      const op = ops[i]!
      if (op.start > minEnd) break // sorted by start: none after this may go next either
      if (done[i]) continue
      if (op.f === 'read' && op.value !== value) continue
      const newValue = op.f === 'write' ? op.value : value
      done[i] = 1
      const key = stateKey(newValue)
      if (seen.has(key)) {
        done[i] = 0
        continue
      }
      seen.add(key)
      if (++states > maxStates) return { verdict: 'unknown', states }
      nextCandidate[depth] = i + 1
      placed.push(i)
      values[depth + 1] = newValue
      nextCandidate[depth + 1] = 0
      if (op.required) requiredPlaced++
      advanced = true
      break
    }
    if (advanced) continue
    // Dead end: undo the op placed at the previous depth and try its next sibling.
    if (depth === 0) return { verdict: 'not-linearizable', states }
    const last = placed.pop()!
    done[last] = 0
    if (ops[last]!.required) requiredPlaced--
  }
}

/**
 * Shrinks a non-linearizable history to a small one that is still not linearizable: first the
 * shortest prefix (ops invoked before some completion) that fails, then ops dropped one by one.
 * Dropping a write drops the reads of its value too, so a "read of a value nobody wrote" is never
 * manufactured by the shrinking itself. Bounded by `budgetMs`.
 */
export function shrinkCounterexample(events: RegisterEvent[], initial: number | null = null, budgetMs = 5_000, maxStates = 200_000): RegisterEvent[] {
  const deadline = Date.now() + budgetMs
  const fails = (h: RegisterEvent[]) => searchRegister(h, initial, maxStates).verdict === 'not-linearizable'
  let current = [...events].sort((a, b) => a.start - b.start)
  const cuts = [...new Set(current.filter((e) => e.required).map((e) => e.end))].sort((a, b) => a - b)
  let lo = 0
  let hi = cuts.length - 1
  while (lo < hi && Date.now() < deadline) {
    const mid = (lo + hi) >> 1
    if (fails(current.filter((e) => e.start <= cuts[mid]!))) hi = mid
    else lo = mid + 1
  }
  const prefix = current.filter((e) => e.start <= (cuts[lo] ?? Infinity))
  if (fails(prefix)) current = prefix
  for (let i = current.length - 1; i >= 0 && Date.now() < deadline; i--) {
    const victim = current[i]
    if (!victim) continue
    const without = current.filter((e) => e !== victim && !(victim.f === 'write' && e.f === 'read' && e.value === victim.value))
    if (without.length > 0 && fails(without)) current = without
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
