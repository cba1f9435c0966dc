import { expect, test } from 'vitest'
import { startTicker } from '../../src/cluster/ticker.ts'
import type { Timers } from '../../src/ports/timers.ts'

/** Virtual time where every timer fires `lateMs` after it was due (a busy event loop). */
function laggingLoop(lateMs: (n: number) => number) {
  let now = 0
  let fired = 0
  let pending: { at: number; fn: () => void } | null = null
  const timers: Timers = {
    setTimeout(fn, ms) {
      const t = { at: now + ms + lateMs(fired++), fn }
      pending = t
      return () => {
        if (pending === t) pending = null
      }
    },
    defer: (fn) => fn(),
  }
  return {
    timers,
    clock: { now: () => now, monotonic: () => now },
    /** Runs timers until virtual time reaches `until`. */
    runUntil(until: number) {
      while (pending && pending.at <= until) {
        const t = pending
        pending = null
        now = t.at
        t.fn()
      }
      now = until
    },
  }
}

test('ticks keep to the clock when every timer fires late', () => {
  const loop = laggingLoop(() => 30) // each timer 30 ms late on a 100 ms interval
  let ticks = 0
  startTicker({ ...loop, intervalMs: 100, onTick: () => ticks++ })
  loop.runUntil(2000)
  // A chain of timeouts would have ticked 2000 / 130 = 15 times; the ticker keeps up.
  expect(ticks).toBeGreaterThanOrEqual(19)
  expect(ticks).toBeLessThanOrEqual(20)
})

test('after a long stall one missed tick is delivered, the rest dropped', () => {
  const loop = laggingLoop((n) => (n === 3 ? 1000 : 0)) // the fourth timer fires 1 s late
  let ticks = 0
  startTicker({ ...loop, intervalMs: 100, onTick: () => ticks++ })
  loop.runUntil(350)
  expect(ticks).toBe(3)
  loop.runUntil(1400) // the stalled timer fires at 1400: two ticks, not eleven
  expect(ticks).toBe(5)
  loop.runUntil(2000) // then the regular pace again, from the stall
  expect(ticks).toBe(11)
})

test('stop cancels the pending tick', () => {
  const loop = laggingLoop(() => 0)
  let ticks = 0
  const stop = startTicker({ ...loop, intervalMs: 100, onTick: () => ticks++ })
  loop.runUntil(250)
  stop()
  loop.runUntil(1000)
  expect(ticks).toBe(2)
})
