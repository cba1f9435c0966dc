import * as os from 'node:os'
import { nodeTlsFetch } from './tls-fetch-port.ts'
import { platformWith, type Platform } from '../../src/node/platform.ts'
import { NodeFilePort } from './fs-file-port.ts'
import { nodeDnsResolver } from './dns.ts'
import { WebSocket } from 'ws'
import type { WebSocketLike } from '../../src/ports/web-socket.ts'
import { TEST_CLOCK_ENV, testClock } from './test-clock.ts'
import { startEngineWorker } from './start-engine-worker.ts'

/** The platform of a node running on Node.js (Deno and Bun reuse the file port). */
export function nodePlatform(): Platform {
  return platformWith(new NodeFilePort(), {
    runtime: { name: 'node', version: process.version, pid: process.pid, hostname: os.hostname() },
    // Node 20 has no global WebSocket (22+ does); the ws package speaks the same API.
    openWebSocket: (url) => new WebSocket(url) as unknown as WebSocketLike,
    dns: nodeDnsResolver(),
    env: (name) => process.env[name],
    tlsFetch: nodeTlsFetch,
    // Test-only clock jumps (test/chaos), off unless the variable is set.
    ...(process.env[TEST_CLOCK_ENV] ? { clock: testClock(process.env[TEST_CLOCK_ENV], (m) => process.stderr.write(`warning: ${m}\n`)) } : {}),
    startEngine: startEngineWorker,
  })
}
