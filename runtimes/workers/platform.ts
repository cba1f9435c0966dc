import { platformWith, type Platform } from '../../src/node/platform.ts'
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
    runtime: { name: 'workerd', version: '' },
    logger: new Logger({ sink: jsonLineSink((line) => console.log(line)), level }),
  })
}
