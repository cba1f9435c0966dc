import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import type { Op } from './history.ts'
import { checkRegisters, checkWeakReads, type RegisterEvent, registerEvents, searchRegister, searchRegisterPlain, shrinkCounterexample } from './linearizability.ts'
import { corrupt, simulateRegister } from './simulated-register.ts'

let nextId = 0
const w = (value: number, start: number, end: number, required = true): RegisterEvent => ({ id: nextId++, f: 'write', value, start, end: required ? end : Infinity, required })
const r = (value: number | null, start: number, end: number): RegisterEvent => ({ id: nextId++, f: 'read', value, start, end, required: true })

describe('register linearizability', () => {
  it('accepts sequential and overlapping histories that have a legal order', () => {
    expect(searchRegister([w(1, 0, 10), r(1, 20, 30)]).verdict).toBe('linearizable')
    // A read overlapping a write may see either value.
    expect(searchRegister([w(1, 0, 10), r(null, 5, 8)]).verdict).toBe('linearizable')
    expect(searchRegister([w(1, 0, 10), r(1, 5, 8)]).verdict).toBe('linearizable')
    // Two overlapping writes may take effect in either order.
    expect(searchRegister([w(1, 0, 10), w(2, 1, 9), r(1, 20, 30)]).verdict).toBe('linearizable')
    expect(searchRegister([w(1, 0, 10), w(2, 1, 9), r(2, 20, 30)]).verdict).toBe('linearizable')
  })

  it('catches a stale read', () => {
    const history = [w(1, 0, 10), w(2, 20, 30), r(1, 40, 50)]
    expect(searchRegister(history).verdict).toBe('not-linearizable')
  })

  it('catches a lost write', () => {
    expect(searchRegister([w(1, 0, 10), r(null, 20, 30)]).verdict).toBe('not-linearizable')
    expect(searchRegister([w(1, 0, 10), w(2, 20, 30), r(2, 35, 38), r(1, 40, 50)]).verdict).toBe('not-linearizable')
  })

  it('lets an indeterminate write take effect late or never, but not un-happen', () => {
    expect(searchRegister([w(1, 0, 10, false), r(null, 20, 30), r(1, 40, 50)]).verdict).toBe('linearizable')
    expect(searchRegister([w(1, 0, 10, false), r(null, 20, 30)]).verdict).toBe('linearizable')
    expect(searchRegister([w(1, 0, 10, false), r(1, 20, 30), r(null, 40, 50)]).verdict).toBe('not-linearizable')
    // It cannot take effect before it was invoked.
    expect(searchRegister([r(1, 0, 5), w(1, 10, 20, false)]).verdict).toBe('not-linearizable')
  })

  it('says unknown, not a guess, when the search exceeds its bound', () => {
    const history = Array.from({ length: 12 }, (_, i) => w(i, 0, 100))
    history.push(r(999, 200, 300))
    expect(searchRegister(history, null, 50).verdict).toBe('unknown')
  })

  it('shrinks a failing history to a small counterexample that still fails', () => {
    const history: RegisterEvent[] = []
    for (let i = 0; i < 30; i++) history.push(w(i, i * 10, i * 10 + 5), r(i, i * 10 + 6, i * 10 + 8))
    const stale = r(3, 1000, 1010) // long after 29 was written
    history.push(stale, w(100, 1020, 1030), r(100, 1040, 1050))
    const small = shrinkCounterexample(history)
    expect(searchRegister(small).verdict).toBe('not-linearizable')
    expect(small.length).toBeLessThanOrEqual(3)
    expect(small).toContain(stale)
  })

  it('agrees with brute force on small random histories', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ read: fc.boolean(), value: fc.integer({ min: 0, max: 2 }), start: fc.integer({ min: 0, max: 20 }), len: fc.integer({ min: 0, max: 10 }), acked: fc.boolean() }), { maxLength: 6 }),
        (specs) => {
          const events = specs.map((s, i): RegisterEvent => {
            const required = s.read || s.acked
            return { id: i, f: s.read ? 'read' : 'write', value: s.read && s.value === 0 ? null : s.value, start: s.start, end: required ? s.start + s.len : Infinity, required }
          })
          expect(searchRegister(events).verdict).toBe(bruteForce(events) ? 'linearizable' : 'not-linearizable')
        },
      ),
      { numRuns: 400, seed: 18 },
    )
  })

  it('accepts any history produced by a real register, whatever the overlap', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ read: fc.boolean(), before: fc.integer({ min: 0, max: 30 }), after: fc.integer({ min: 0, max: 30 }) }), { maxLength: 60 }), (specs) => {
        let value: number | null = null
        const events = specs.map((s, i): RegisterEvent => {
          const at = i * 10 // the op's true moment of effect
          if (!s.read) value = i
          return { id: i, f: s.read ? 'read' : 'write', value: s.read ? value : i, start: at - s.before, end: at + s.after, required: true }
        })
        expect(searchRegister(events).verdict).toBe('linearizable')
      }),
      { numRuns: 200, seed: 18 },
    )
  })
})

describe('deciding long histories with indeterminate writes', () => {
  it('still refutes what an indeterminate write cannot explain', () => {
    // Seen, then un-seen: once it took effect, only another write can hide it.
    expect(searchRegister([w(1, 0, 10, false), r(1, 20, 30), r(null, 40, 50)]).verdict).toBe('not-linearizable')
    // Seen before it was invoked.
    expect(searchRegister([r(1, 0, 5), w(1, 10, 20, false)]).verdict).toBe('not-linearizable')
    // It takes effect once: 1, then 2, then 1 again needs two writes of 1.
    expect(searchRegister([w(1, 0, 1, false), w(2, 0, 1, false), r(1, 10, 20), r(2, 30, 40), r(1, 50, 60)]).verdict).toBe('not-linearizable')
    // Seen after a quiescent stretch, it must precede that read and so cannot follow a later write.
    expect(searchRegister([w(1, 0, 1, false), w(2, 10, 12), r(2, 14, 15), r(1, 100, 110), w(3, 120, 130), r(1, 140, 150)]).verdict).toBe('not-linearizable')
    // Never seen: it may be dropped, but a lost acknowledged write is still caught around it.
    expect(searchRegister([w(1, 0, 10), w(2, 5, 6, false), r(null, 20, 30)]).verdict).toBe('not-linearizable')
  })

  it('lets an indeterminate write explain what nothing else can', () => {
    expect(searchRegister([w(1, 0, 5), w(2, 10, 11, false), r(1, 20, 30), r(2, 40, 50)]).verdict).toBe('linearizable')
    // Taking effect long after its client gave up, past quiescent points in between.
    expect(searchRegister([w(2, 0, 1, false), w(1, 10, 12), r(1, 20, 22), w(3, 30, 32), r(3, 40, 42), r(2, 100, 110)]).verdict).toBe('linearizable')
    // Without it the same reads are refuted.
    expect(searchRegister([w(1, 10, 12), r(1, 20, 22), w(3, 30, 32), r(3, 40, 42), r(2, 100, 110)]).verdict).toBe('not-linearizable')
  })

  it('carries every possible value across a quiescent point, not only the first found', () => {
    // Two overlapping writes: either may be last, and a later stretch decides which.
    expect(searchRegister([w(1, 0, 10), w(2, 5, 15), r(2, 20, 25), r(2, 30, 35)]).verdict).toBe('linearizable')
    expect(searchRegister([w(1, 0, 10), w(2, 5, 15), r(1, 20, 25), r(1, 30, 35)]).verdict).toBe('linearizable')
    expect(searchRegister([w(1, 0, 10), w(2, 5, 15), r(1, 20, 25), r(2, 30, 35)]).verdict).toBe('not-linearizable')
    expect(searchRegister([w(1, 0, 10), w(2, 5, 15), r(2, 20, 25), r(1, 30, 35)]).verdict).toBe('not-linearizable')
    expect(searchRegister([w(1, 0, 10), r(1, 20, 25), r(null, 30, 35)]).stretches).toBe(3)
  })

  it('gives the verdicts of the plain search on a few hundred random histories', () => {
    const verdicts = { linearizable: 0, 'not-linearizable': 0, unknown: 0 }
    for (let seed = 1; seed <= 400; seed++) {
      const base = simulateRegister(seed, { ops: 12, clients: 3, writes: 0.5, indeterminate: 0.4, lost: 0.5, maxDuration: 10, maxPause: 12 })
      const events = seed % 2 === 0 ? corrupt(base, seed) : base
      const plain = searchRegisterPlain(events)
      expect(plain.verdict).not.toBe('unknown')
      expect(searchRegister(events).verdict, `seed ${seed}`).toBe(plain.verdict)
      verdicts[plain.verdict]++
    }
    // Both verdicts well represented, or the comparison would prove little.
    expect(verdicts.linearizable).toBeGreaterThan(150)
    expect(verdicts['not-linearizable']).toBeGreaterThan(50)
  })

  it('gives the plain verdicts when written values repeat (the reductions then stand aside)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ read: fc.boolean(), value: fc.integer({ min: 0, max: 2 }), start: fc.integer({ min: 0, max: 30 }), len: fc.integer({ min: 0, max: 8 }), acked: fc.boolean() }), { maxLength: 9 }),
        (specs) => {
          const events = specs.map((s, i): RegisterEvent => {
            const required = s.read || s.acked
            return { id: i, f: s.read ? 'read' : 'write', value: s.read && s.value === 0 ? null : s.value, start: s.start, end: required ? s.start + s.len : Infinity, required }
          })
          expect(searchRegister(events).verdict).toBe(searchRegisterPlain(events).verdict)
        },
      ),
      { numRuns: 400, seed: 30 },
    )
  })

  it('decides a long, busy history full of indeterminate writes in a few states per op', () => {
    // Three clients on one key, rarely all idle: far denser than a chaos run's keys.
    const busy = { clients: 3, writes: 0.6, indeterminate: 0.05, lost: 0.8, maxDuration: 10, maxPause: 5 }
    const events = simulateRegister(30, { ops: 20_000, ...busy })
    expect(events.filter((e) => !e.required).length).toBeGreaterThan(500)
    expect(searchRegister(events, null, 10 * events.length).verdict).toBe('linearizable')
    // One bad read among them is still found.
    expect(searchRegister(corrupt(events, 7), null, 10 * events.length).verdict).toBe('not-linearizable')
  })

  it('decides, where the plain search cannot, writes that take effect long after their timeout', () => {
    const late = simulateRegister(30, { ops: 1_000, clients: 3, writes: 0.6, indeterminate: 0.05, lost: 0.8, maxDuration: 10, maxPause: 10, maxLate: 200 })
    expect(searchRegister(late, null, 10 * late.length).verdict).toBe('linearizable')
    expect(searchRegisterPlain(late, null, 20 * late.length).verdict).toBe('unknown')
  })

  it('shrinks a failure in a long history around the bad read', () => {
    const events = simulateRegister(31, { ops: 3_000, clients: 3, writes: 0.6, indeterminate: 0.05, lost: 0.5, maxDuration: 10, maxPause: 5 })
    const broken = corrupt(events, 3)
    const bad = broken.find((e, i) => e !== events[i])!
    const results = checkRegisters(new Map([[1, broken]]))
    expect(results[0]!.verdict).toBe('not-linearizable')
    const small = results[0]!.counterexample!
    expect(small.length).toBeLessThan(10)
    expect(small).toContain(bad)
    expect(searchRegister(small).verdict).toBe('not-linearizable')
  })
})

describe('checkRegisters and the history', () => {
  const op = (o: Partial<Op>): Op => ({ id: nextId++, client: 0, workload: 'register', f: 'read', node: 1, start: 0, end: 1, outcome: 'ok', ...o })

  it('checks each key alone and leaves out failures and weak reads', () => {
    const ops = [
      op({ f: 'write', key: 1, value: 10, start: 0, end: 5 }),
      op({ f: 'write', key: 2, value: 20, start: 0, end: 5 }),
      op({ f: 'write', key: 1, value: 11, start: 6, end: 8, outcome: 'fail' }),
      op({ f: 'read', key: 1, value: 10, level: 'linearizable', start: 10, end: 12 }),
      op({ f: 'read', key: 2, value: null, level: 'weak', start: 10, end: 12 }),
      op({ f: 'read', key: 2, value: null, level: 'strong', start: 10, end: 12 }),
    ]
    const results = checkRegisters(registerEvents(ops))
    expect(results.map((r) => [r.key, r.verdict])).toEqual([
      [1, 'linearizable'],
      [2, 'not-linearizable'],
    ])
    expect(results[1]!.counterexample!.map((e) => e.f)).toEqual(['write', 'read'])
  })

  it('a read of a write that failed is not linearizable (the failed write is not in the history)', () => {
    const ops = [op({ f: 'write', key: 1, value: 10, start: 0, end: 5, outcome: 'fail' }), op({ f: 'read', key: 1, value: 10, level: 'linearizable', start: 10, end: 12 })]
    expect(checkRegisters(registerEvents(ops))[0]!.verdict).toBe('not-linearizable')
  })

  it('weak and none reads: stale is allowed, invented or failed values are not', () => {
    const ops = [
      op({ f: 'write', key: 1, value: 10, start: 0, end: 5 }),
      op({ f: 'write', key: 1, value: 11, start: 6, end: 8 }),
      op({ f: 'write', key: 1, value: 12, start: 9, end: 10, outcome: 'fail' }),
      op({ f: 'read', key: 1, value: 10, level: 'none', start: 20, end: 22 }), // stale: fine
      op({ f: 'read', key: 1, value: 12, level: 'weak', start: 20, end: 22 }), // a failed write
      op({ f: 'read', key: 1, value: 77, level: 'none', start: 20, end: 22 }), // nobody wrote it
      op({ f: 'read', key: 1, value: 13, level: 'none', start: 20, end: 22 }), // written later
      op({ f: 'write', key: 1, value: 13, start: 30, end: 32 }),
    ]
    expect(checkWeakReads(ops).map((v) => v.reason)).toEqual([
      expect.stringContaining('failed'),
      expect.stringContaining('no client wrote'),
      expect.stringContaining('before its write was invoked'),
    ])
  })
})

/** Every order of the events that respects real time; the exponential reference. */
function bruteForce(events: RegisterEvent[]): boolean {
  const n = events.length
  const used = new Array<boolean>(n).fill(false)
  const go = (value: number | null, count: number): boolean => {
    if (events.every((e, i) => used[i] || !e.required)) return true
    for (let i = 0; i < n; i++) {
      if (used[i]) continue
      const e = events[i]!
      // e may go next only if no other unplaced op completed before e started.
      if (events.some((o, j) => j !== i && !used[j] && o.end < e.start)) continue
      if (e.f === 'read' && e.value !== value) continue
      used[i] = true
      if (go(e.f === 'write' ? e.value : value, count + 1)) return true
      used[i] = false
    }
    return false
  }
  return go(null, 0)
}
