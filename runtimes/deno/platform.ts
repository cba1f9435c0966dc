import { nodeTlsFetch } from '../node/tls-fetch-port.ts'
import { platformWith, type Platform } from '../../src/node/platform.ts'
import { NodeFilePort } from '../node/fs-file-port.ts'
import type { WebSocketLike } from '../../src/ports/web-socket.ts'
import { startWebEngineWorker } from './start-engine-worker.ts'

/** The platform of a node running on Deno: Deno implements `node:fs`, so the Node file port serves. */
export function denoPlatform(): Platform {
  return platformWith(new NodeFilePort(), {
    openWebSocket: (url) => new WebSocket(url) as unknown as WebSocketLike,
    tlsFetch: nodeTlsFetch,
    startEngine: startWebEngineWorker,
    runtime: { name: 'deno', version: `v${Deno.version.deno}`, pid: Deno.pid, hostname: hostname() },
  })
}

// Deno.hostname() needs --allow-sys; /status reports '' rather than demand it.
function hostname(): string | undefined {
  try {
    return Deno.hostname()
  } catch {
    return undefined
  }
}
