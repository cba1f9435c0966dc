import { describe, expect, it } from 'vitest'
import { longestGap, recoveries, worstGapByKind } from './availability.ts'
import { FAULT_KINDS, planFaults } from './faults.ts'
import type { Op } from './history.ts'
import { checkLedger, checkRegister, checkSet } from './oracles.ts'

let nextId = 0
const op = (o: Partial<Op>): Op => ({ id: nextId++, client: 0, workload: 'set', f: 'insert', node: 1, start: 0, end: 1, outcome: 'ok', ...o })

describe('set oracle', () => {
  const inserts = [op({ value: 1 }), op({ value: 2 }), op({ value: 3, outcome: 'indeterminate' }), op({ value: 4, outcome: 'fail' })]

  it('passes when every acknowledged insert survived on every node', () => {
    const full = new Set([1, 2, 3])
    expect(checkSet(inserts, new Map([[1, full], [2, new Set(full)]]))).toEqual([])
    // An indeterminate insert may be absent.
    expect(checkSet(inserts, new Map([[1, new Set([1, 2])]]))).toEqual([])
  })

  it('catches a lost insert, a failed insert that took effect, an invented value and diverging replicas', () => {
    expect(checkSet(inserts, new Map([[1, new Set([1])]])).map((a) => a.what)).toEqual(['1 acknowledged inserts lost'])
    expect(checkSet(inserts, new Map([[1, new Set([1, 2, 4])]])).map((a) => a.what)).toEqual(['1 inserts answered as failed took effect'])
    expect(checkSet(inserts, new Map([[1, new Set([1, 2, 9])]])).map((a) => a.what)).toEqual(['1 values nobody inserted'])
    expect(checkSet(inserts, new Map([[1, new Set([1, 2])], [3, new Set([1])]])).map((a) => a.what)).toEqual(['node 3 differs from node 1: 1 missing, 0 extra'])
  })
})

describe('ledger oracle', () => {
  it('every sum read and every final sum is the total', () => {
    const sums = [op({ workload: 'ledger', f: 'sum', value: 500, level: 'none' }), op({ workload: 'ledger', f: 'sum', value: 480, level: 'weak', outcome: 'indeterminate' })]
    expect(checkLedger(sums, 500, new Map([[1, 500]]))).toEqual([])
    const bad = [...sums, op({ workload: 'ledger', f: 'sum', value: 490, level: 'strong', node: 2 })]
    expect(checkLedger(bad, 500, new Map([[1, 500], [2, 510]])).map((a) => a.what)).toEqual(['sum read at strong on node 2 was 490, not 500', 'final sum on node 2 is 510, not 500'])
  })
})

describe('register oracle', () => {
  it('reports a stale linearizable read with its counterexample', () => {
    const ops = [
      op({ workload: 'register', f: 'write', key: 0, value: 1, start: 0, end: 5 }),
      op({ workload: 'register', f: 'write', key: 0, value: 2, start: 10, end: 15 }),
      op({ workload: 'register', f: 'read', key: 0, value: 1, level: 'linearizable', start: 20, end: 25 }),
      op({ workload: 'register', f: 'read', key: 0, value: 1, level: 'none', start: 20, end: 25 }),
    ]
    const verdict = checkRegister(ops)
    expect(verdict.anomalies.map((a) => a.what)).toEqual(['key 0 is not linearizable'])
    expect(verdict.anomalies[0]!.ops).toHaveLength(3)
  })
})

describe('availability', () => {
  it('finds the longest gap, counting from the start and to the end', () => {
    expect(longestGap([100, 200, 900], 0, 1000)).toEqual({ gapMs: 700, from: 200, to: 900 })
    expect(longestGap([], 0, 1000).gapMs).toBe(1000)
  })

  it('measures recovery from each heal to the next acknowledged write, and charges gaps to the faults they overlap', () => {
    const faults = [
      { kind: 'kill-leader', start: 150, healed: 300 },
      { kind: 'delay', start: 950, healed: 990 },
    ]
    expect(recoveries([100, 200, 400, 900], faults)).toEqual([
      { kind: 'kill-leader', recoveryMs: 100 },
      { kind: 'delay', recoveryMs: null },
    ])
    expect(worstGapByKind([100, 200, 400, 900], faults, 1000)).toEqual({ 'kill-leader': 200, delay: 100 })
  })
})

describe('fault schedule', () => {
  it('is a function of the seed, fits the run and uses every kind over a long run', () => {
    expect(planFaults(7, 60_000)).toEqual(planFaults(7, 60_000))
    expect(planFaults(7, 60_000)).not.toEqual(planFaults(8, 60_000))
    const plan = planFaults(7, 60_000)
    expect(plan.reduce((t, f) => t + f.after + f.duration, 0)).toBeLessThanOrEqual(60_000)
    expect(new Set(planFaults(7, 3_600_000).map((f) => f.kind))).toEqual(new Set(FAULT_KINDS))
    expect(planFaults(7, 60_000, ['pause-leader']).every((f) => f.kind === 'pause-leader' && f.duration > 1_000)).toBe(true)
  })
})
