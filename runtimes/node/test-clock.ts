/**
 * Test-only: a wall clock that a fault harness can jump (test/chaos). Off unless
 * RAFTLITE_TEST_CLOCK_FILE names a file; then the file holds an offset in milliseconds, added to
 * the system's wall clock, and re-read on SIGUSR2. The monotonic clock never moves: that is what
 * a real clock jump (settimeofday, an NTP step) does to CLOCK_MONOTONIC, and Raft's timers run on it.
 */
import { readFileSync } from 'node:fs'
import type { Clock } from '../../src/ports/clock.ts'

export const TEST_CLOCK_ENV = 'RAFTLITE_TEST_CLOCK_FILE'

export function testClock(path: string, warn: (message: string) => void): Clock {
  const read = (): number => {
    try {
      const offset = Number(readFileSync(path, 'utf8').trim() || '0')
      if (Number.isFinite(offset)) return offset
      warn(`${TEST_CLOCK_ENV}: ${path} does not hold a number of milliseconds; the clock is not shifted`)
    } catch (e) {
      warn(`${TEST_CLOCK_ENV}: cannot read ${path}: ${e instanceof Error ? e.message : String(e)}; the clock is not shifted`)
    }
    return 0
  }
  let offset = read()
  process.on('SIGUSR2', () => {
    offset = read()
  })
  return { now: () => Date.now() + offset, monotonic: () => performance.now() }
}
