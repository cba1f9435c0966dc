import { platformWith, type Platform } from '../../src/node/platform.ts'
import type { Clock } from '../../src/ports/clock.ts'
import { Logger, jsonLineSink, parseLogLevel } from '../../src/observe/logger.ts'
import { DurableObjectFilePort } from './do-file-port.ts'
import { openFetchWebSocket } from './fetch-web-socket.ts'

/**
 * The platform of a node in a Durable Object: files on the object's SQLite-backed storage,
 * WebSockets out to peers, log lines as JSON on the console (Workers Logs, `wrangler tail`).
 * Clock, randomness and timers are the web-standard ones.
 */
export function workersPlatform(storage: DurableObjectStorage, logLevel: string): Platform {
  const level = parseLogLevel(logLevel) ?? 'info'
  return platformWith(new DurableObjectFilePort(storage.sql), {
    openWebSocket: openFetchWebSocket,
    clock: movingClock(),
    runtime: { name: 'workerd', version: '' },
    logger: new Logger({ sink: jsonLineSink((line) => console.log(line)), level }),
  })
}

/**
 * workerd stops its clocks while code runs (they move only across I/O), so a statement timed on
 * them would take 0 s and rqlite's `time` fields would vanish. This monotonic clock moves by at
 * least 1 µs per reading: timings become lower bounds, and real time catches up with it.
 */
export function movingClock(): Clock {
  let last = 0
  return {
    now: () => Date.now(),
    monotonic: () => (last = Math.max(performance.now(), last + 0.001)),
  }
}
