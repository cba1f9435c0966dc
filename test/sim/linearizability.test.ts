import { describe, expect, test } from 'vitest'
import { checkLinearizable, type HistoryOp } from './linearizability.ts'

let nextId = 0
const op = (kind: HistoryOp['kind'], value: string, output: string | null, call: number, ret: number, key = 'k'): HistoryOp => ({
  id: nextId++,
  key,
  kind,
  value,
  output,
  call,
  ret,
})

describe('linearizability checker', () => {
  test('accepts a sequential history', () => {
    const h = [op('put', 'a', null, 0, 1), op('get', '', 'a', 2, 3), op('append', 'b', null, 4, 5), op('get', '', 'ab', 6, 7)]
    expect(checkLinearizable(h).ok).toBe(true)
  })

  test('rejects a stale read after a completed write', () => {
    const h = [op('put', 'a', null, 0, 1), op('get', '', null, 2, 3)]
    const r = checkLinearizable(h)
    expect(r.ok).toBe(false)
    expect(r.key).toBe('k')
  })

  test('accepts either order for overlapping operations', () => {
    const h = [op('put', 'a', null, 0, 5), op('get', '', null, 1, 2), op('get', '', 'a', 3, 4)]
    expect(checkLinearizable(h).ok).toBe(true)
  })

  test('rejects a read that goes back in time', () => {
    const h = [op('put', 'a', null, 0, 10), op('get', '', 'a', 1, 2), op('get', '', null, 3, 4)]
    expect(checkLinearizable(h).ok).toBe(false)
  })

  test('an unknown-outcome write may take effect late or never', () => {
    const never = [op('put', 'a', null, 0, Infinity), op('get', '', null, 5, 6)]
    expect(checkLinearizable(never).ok).toBe(true)
    const late = [op('put', 'a', null, 0, Infinity), op('get', '', null, 5, 6), op('get', '', 'a', 7, 8)]
    expect(checkLinearizable(late).ok).toBe(true)
    const flicker = [op('put', 'a', null, 0, Infinity), op('get', '', 'a', 5, 6), op('get', '', null, 7, 8)]
    expect(checkLinearizable(flicker).ok).toBe(false)
  })

  test('appends must be observed in one order by everyone', () => {
    const h = [
      op('append', 'x', null, 0, 10),
      op('append', 'y', null, 0, 10),
      op('get', '', 'xy', 11, 12),
      op('get', '', 'yx', 13, 14),
    ]
    expect(checkLinearizable(h).ok).toBe(false)
  })

  test('keys are checked independently', () => {
    const h = [op('put', 'a', null, 0, 1, 'k1'), op('get', '', null, 2, 3, 'k2'), op('get', '', 'a', 2, 3, 'k1')]
    expect(checkLinearizable(h).ok).toBe(true)
  })

  test('a search that runs out of budget is a failure, not a pass, and names its key', () => {
    // Four overlapping appends and a read of one order: the search tries orders before it finds it.
    const h = [
      op('append', 'a', null, 0, 10, 'k1'),
      op('append', 'b', null, 0, 10, 'k1'),
      op('append', 'c', null, 0, 10, 'k1'),
      op('append', 'd', null, 0, 10, 'k1'),
      op('get', '', 'dcba', 11, 12, 'k1'),
    ]
    const full = checkLinearizable(h)
    expect(full).toMatchObject({ ok: true, exhausted: false })
    expect(full.maxSteps).toBeGreaterThan(5)
    const cut = checkLinearizable(h, full.maxSteps - 1)
    expect(cut).toMatchObject({ ok: false, exhausted: true, key: 'k1' })
    expect(cut.ops).toHaveLength(5)
    expect(checkLinearizable(h, full.maxSteps)).toMatchObject({ ok: true, exhausted: false })
  })
})
