import * as os from 'node:os'
import { nodeTlsFetch } from '../node/tls-fetch-port.ts'
import { platformWith, type Platform } from '../../src/node/platform.ts'
import { NodeFilePort } from '../node/fs-file-port.ts'
import type { WebSocketLike } from '../../src/ports/web-socket.ts'
import { startWebEngineWorker } from './start-engine-worker.ts'

/** The platform of a node running on Bun: Bun implements `node:fs`, so the Node file port serves. */
export function bunPlatform(): Platform {
  return platformWith(new NodeFilePort(), {
    openWebSocket: (url) => new WebSocket(url) as unknown as WebSocketLike,
    tlsFetch: nodeTlsFetch,
    startEngine: startWebEngineWorker,
    runtime: { name: 'bun', version: `v${Bun.version}`, pid: process.pid, hostname: os.hostname() },
  })
}
