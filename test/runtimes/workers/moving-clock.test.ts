// workerd's clocks stand still while code runs: the edge's monotonic clock must still move, so
// statement timings are never 0, and must follow real time when it moves.
import { afterEach, expect, test, vi } from 'vitest'
import { movingClock } from '../../../runtimes/workers/platform.ts'

afterEach(() => void vi.restoreAllMocks())

test('readings move by at least 1 µs while the real clock stands still, then follow it', () => {
  const now = vi.spyOn(performance, 'now').mockReturnValue(100)
  const clock = movingClock()
  const a = clock.monotonic()
  const b = clock.monotonic()
  expect(a).toBe(100)
  expect(b - a).toBeCloseTo(0.001, 9)
  now.mockReturnValue(250)
  expect(clock.monotonic()).toBe(250)
})
