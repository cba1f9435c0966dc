/**
 * Linearizability checker for a key/value register history, in the Wing & Gong / Lowe style
 * used by Porcupine: depth-first search over linearization orders with a cache of
 * (linearized set, state) pairs, run separately per key (keys are independent objects).
 * Operations whose outcome is unknown have `ret = Infinity`: they may take effect at any
 * point after their invocation, or never.
 */

export interface HistoryOp {
  readonly id: number
  readonly key: string
  readonly kind: 'put' | 'append' | 'get'
  readonly value: string
  /** Observed value for a completed get. */
  readonly output: string | null
  readonly call: number
  readonly ret: number
}

export interface LinearizabilityResult {
  /** True only when every key was shown linearizable: a search that gave up proves nothing. */
  readonly ok: boolean
  /** True when the search budget ran out on `key` (inconclusive, so `ok` is false). */
  readonly exhausted: boolean
  readonly key?: string
  readonly ops?: readonly HistoryOp[]
  /** The most search steps one key took: how close the history came to the budget. */
  readonly maxSteps: number
}

interface Ev {
  readonly op: number
  readonly isCall: boolean
  match: Ev | null
  prev: Ev | null
  next: Ev | null
}

type State = string | null

function step(state: State, op: HistoryOp): [boolean, State] {
  if (op.kind === 'put') return [true, op.value]
  if (op.kind === 'append') return [true, (state ?? '') + op.value]
  return [op.output === state, state]
}

export function checkLinearizable(history: readonly HistoryOp[], budget = 5_000_000): LinearizabilityResult {
  const byKey = new Map<string, HistoryOp[]>()
  for (const op of history) {
    const list = byKey.get(op.key)
    if (list) list.push(op)
    else byKey.set(op.key, [op])
  }
  let maxSteps = 0
  for (const [key, ops] of byKey) {
    const { result, steps } = checkKey(ops, budget)
    maxSteps = Math.max(maxSteps, steps)
    if (result === 'exhausted') return { ok: false, exhausted: true, key, ops, maxSteps }
    if (!result) return { ok: false, exhausted: false, key, ops, maxSteps }
  }
  return { ok: true, exhausted: false, maxSteps }
}

function checkKey(ops: readonly HistoryOp[], budget: number): { result: boolean | 'exhausted'; steps: number } {
  const evs: { time: number; ev: Ev }[] = []
  ops.forEach((op, i) => {
    const call: Ev = { op: i, isCall: true, match: null, prev: null, next: null }
    const ret: Ev = { op: i, isCall: false, match: null, prev: null, next: null }
    call.match = ret
    evs.push({ time: op.call, ev: call }, { time: op.ret, ev: ret })
  })
  // Unknown returns (Infinity) sort last; among equal times calls go first (more permissive).
  evs.sort((a, b) => a.time - b.time || Number(b.ev.isCall) - Number(a.ev.isCall) || a.ev.op - b.ev.op)
  const head: Ev = { op: -1, isCall: false, match: null, prev: null, next: null }
  let last = head
  for (const { ev } of evs) {
    last.next = ev
    ev.prev = last
    last = ev
  }

  const bits = new Uint32Array(Math.ceil(ops.length / 32) + 1)
  const cache = new Set<string>()
  const stack: { ev: Ev; state: State }[] = []
  let state: State = null
  let entry = head.next
  const keyOf = (s: State) => `${bits.join(',')}|${s === null ? '\u0000' : `=${s}`}`

  let steps = 0
  while (head.next !== null) {
    if (steps++ >= budget) return { result: 'exhausted', steps }
    if (entry === null) throw new Error('linearizability: ran off the event list')
    if (entry.isCall) {
      const op = ops[entry.op]
      const [ok, next] = step(state, op)
      if (ok) {
        bits[entry.op >> 5] |= 1 << (entry.op & 31)
        const k = keyOf(next)
        if (!cache.has(k)) {
          cache.add(k)
          stack.push({ ev: entry, state })
          state = next
          lift(entry)
          entry = head.next
          continue
        }
        bits[entry.op >> 5] &= ~(1 << (entry.op & 31))
      }
      entry = entry.next
    } else {
      // A return was reached before its call could be linearized: backtrack.
      const top = stack.pop()
      if (!top) return { result: false, steps }
      entry = top.ev
      state = top.state
      bits[entry.op >> 5] &= ~(1 << (entry.op & 31))
      unlift(entry)
      entry = entry.next
    }
  }
  return { result: true, steps }
}

function lift(call: Ev): void {
  const ret = call.match as Ev
  ;(call.prev as Ev).next = call.next
  if (call.next) call.next.prev = call.prev
  ;(ret.prev as Ev).next = ret.next
  if (ret.next) ret.next.prev = ret.prev
}

function unlift(call: Ev): void {
  const ret = call.match as Ev
  ;(ret.prev as Ev).next = ret
  if (ret.next) ret.next.prev = ret
  ;(call.prev as Ev).next = call
  if (call.next) call.next.prev = call
}
