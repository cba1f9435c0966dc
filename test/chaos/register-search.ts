/**
 * The core of the register checker: Wing & Gong's search with Lowe's memoisation over one
 * stretch of a register's history, from a set of possible starting values.
 *
 * A state is (the set of operations already ordered, the register's value); a state seen once is
 * never searched again, whichever starting value reached it (the future depends on nothing else).
 * `mode: 'any'` stops at the first complete order; `mode: 'all'` explores every state and returns
 * every value a complete order can leave, which is what the next stretch may start from.
 */
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

export type Value = number | null

export interface StretchResult {
  /** The values complete orders leave (in `any` mode, the first one found); empty: none exists. */
  finals: Set<Value>
  states: number
  /** The state budget ran out before the answer was known. */
  exhausted: boolean
}

/**
 * `ops` sorted by start, every required op with `end >= start` or it can never be placed (an op
 * that may be left out has `end === Infinity`); `budget` is how many new states may be visited.
 */
export function searchStretch(ops: RegisterEvent[], initials: Iterable<Value>, mode: 'any' | 'all', budget: number): StretchResult {
  const n = ops.length
  const finals = new Set<Value>()
  // An op that completed before it was invoked (a bound from pruning) cannot be placed.
  if (ops.some((op) => op.required && op.end < op.start)) return { finals, states: 0, exhausted: false }
  const required = ops.reduce((count, op) => count + (op.required ? 1 : 0), 0)
  // Once every value a stretch could leave is found, exploring further cannot add one.
  const possible = new Set<Value>(initials)
  for (const op of ops) if (op.f === 'write') possible.add(op.value)
  const done = new Uint8Array(n)
  const seen = new Set<string>()
  let states = 0

  // Every op below `base` is placed, none above `top`: the state is the window between them.
  const stateKey = (base: number, top: number, value: Value): string => {
    let bits = ''
    for (let i = base; i <= top; i += 16) {
      let word = 0
      for (let j = i; j <= Math.min(top, i + 15); j++) if (done[j]) word |= 1 << (j - i)
      bits += String.fromCharCode(word)
    }
    return `${base}:${bits}|${value}`
  }
  const finished = () => (mode === 'any' ? finals.size > 0 : finals.size === possible.size)

  for (const initial of new Set(initials)) {
    const rootKey = stateKey(0, -1, initial)
    if (seen.has(rootKey)) continue
    seen.add(rootKey)
    // Iterative DFS: each frame is the op placed at that depth, so it can be undone.
    const placed: number[] = []
    const values: Value[] = [initial]
    const bases: number[] = [0]
    const tops: number[] = [-1]
    const nextCandidate: number[] = [0]
    let requiredPlaced = 0
    let entered = true // the state at the top of the stack was just reached, not returned to
    while (true) {
      const depth = placed.length
      const value = values[depth]!
      const base = bases[depth]!
      if (entered && requiredPlaced === required) {
        finals.add(value)
        if (finished()) return { finals, states, exhausted: false }
      }
      entered = false
      // The earliest completion among unplaced ops: nothing that started after it may go next.
      // (Sorted by start and end >= start: an op starting after the minimum cannot lower it.)
      let minEnd = Infinity
      for (let i = base; i < n && ops[i]!.start <= minEnd; i++) if (!done[i] && ops[i]!.end < minEnd) minEnd = ops[i]!.end
      let advanced = false
      for (let i = Math.max(base, nextCandidate[depth]!); i < n; i++) {
        const op = ops[i]!
        if (op.start > minEnd) break // sorted by start: none after this may go next either
        if (done[i]) continue
        if (op.f === 'read' && op.value !== value) continue
        const newValue = op.f === 'write' ? op.value : value
        done[i] = 1
        let newBase = base
        while (newBase < n && done[newBase]) newBase++
        const newTop = Math.max(tops[depth]!, i)
        const key = stateKey(newBase, newTop, newValue)
        if (seen.has(key)) {
          done[i] = 0
          continue
        }
        seen.add(key)
        if (++states > budget) return { finals, states, exhausted: true }
        nextCandidate[depth] = i + 1
        placed.push(i)
        values[depth + 1] = newValue
        bases[depth + 1] = newBase
        tops[depth + 1] = newTop
        nextCandidate[depth + 1] = 0
        if (op.required) requiredPlaced++
        advanced = true
        entered = true
        break
      }
      if (advanced) continue
      // Dead end: undo the op placed at the previous depth and try its next sibling.
      if (depth === 0) break
      const last = placed.pop()!
      done[last] = 0
      if (ops[last]!.required) requiredPlaced--
    }
  }
  return { finals, states, exhausted: false }
}
