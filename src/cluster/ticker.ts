import type { Clock } from '../ports/clock.ts'
import type { Timers } from '../ports/timers.ts'

/**
 * Calls `onTick` every `intervalMs` on the monotonic clock, like Go's time.Ticker.
 *
 * A chain of plain timeouts drifts: each tick lands late by the timer's lag plus the tick's own
 * work, and Raft counts elections in ticks, so a busy node took up to half as long again to
 * notice a dead leader. Here each tick is scheduled against the ideal time instead. After a
 * stall, one missed tick is delivered and the rest dropped (Go's ticker keeps one too), so a
 * leader that was blocked does not run its whole check-quorum window before it has read the
 * replies that arrived meanwhile.
 */
export function startTicker(options: { timers: Timers; clock: Clock; intervalMs: number; onTick(): void }): () => void {
  const { timers, clock, intervalMs, onTick } = options
  let next = clock.monotonic() + intervalMs
  let stopped = false
  let cancel = () => {}
  const fire = () => {
    if (stopped) return
    const now = clock.monotonic()
    const due = now >= next ? Math.min(2, 1 + Math.floor((now - next) / intervalMs)) : 0
    if (due > 0) next = now - next >= 2 * intervalMs ? now + intervalMs : next + due * intervalMs
    for (let i = 0; i < due && !stopped; i++) onTick()
    if (!stopped) cancel = timers.setTimeout(fire, Math.max(0, next - clock.monotonic()))
  }
  cancel = timers.setTimeout(fire, intervalMs)
  return () => {
    stopped = true
    cancel()
  }
}
