import { type ServerType, serve } from '@hono/node-server'
import { createNodeWebSocket } from '@hono/node-ws'
import type { Hono } from 'hono'
import type { Server as HttpsServer } from 'node:https'
import type { Server } from 'node:http'
import type { ServeOptions } from '../../src/http/connection-limits.ts'
import { guardConnections, timeoutOptions } from './connection-guard.ts'
import { splitHostPort } from './split-host-port.ts'
import { tlsServer } from './serve-tls.ts'

export { splitHostPort }

export interface Served {
  /** The bound port (useful with port 0). */
  port: number
  close(): Promise<void>
}

/**
 * Serves a Hono app over HTTP with Node's `http` module, or HTTPS with `tls` (certificates
 * reloaded when their files change). `addr` is `host:port`. `onServer` sees the server before it
 * listens (to attach WebSocket upgrades).
 */
export interface NodeServeOptions extends ServeOptions {
  /** Where a failed certificate reload is reported. */
  onError?: (message: string) => void
}

export function serveHttp(app: Hono, addr: string, onServer?: (server: ServerType) => void, options: NodeServeOptions = {}): Promise<Served> {
  const { tls, limits, onError = () => {} } = options
  const { hostname, port } = splitHostPort(addr)
  const secure = tls ? tlsServer(tls, onError) : null
  return new Promise((resolve, reject) => {
    let stopWatching = () => {}
    const serverOptions = { ...secure?.serverOptions, ...(limits ? timeoutOptions(limits) : {}) }
    const server = serve({ fetch: app.fetch, hostname, port, serverOptions, ...(secure ? { createServer: secure.createServer } : {}) }, (info) => {
      resolve({
        port: info.port,
        close: () => new Promise((done) => {
          stopWatching()
          server.close(() => done())
          ;(server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.()
        }),
      })
    })
    server.once('error', reject)
    if (secure) stopWatching = secure.attach(server as HttpsServer)
    if (limits) guardConnections(server as Server, limits)
    onServer?.(server)
  })
}

/**
 * Serves `app` with WebSocket upgrades (`ws` under @hono/node-ws): `enable` hands the upgrader to
 * the node. Upgraded sockets outlive `server.close()`, so closing terminates them too.
 */
export async function serveWithSockets(
  app: Hono,
  enable: (upgrade: ReturnType<typeof createNodeWebSocket>['upgradeWebSocket']) => void,
  addr: string,
  options: NodeServeOptions = {},
): Promise<Served> {
  const sockets = createNodeWebSocket({ app })
  enable(sockets.upgradeWebSocket)
  const served = await serveHttp(app, addr, (server) => sockets.injectWebSocket(server as Server), options)
  return {
    port: served.port,
    async close() {
      for (const client of sockets.wss.clients) client.terminate()
      await served.close()
    },
  }
}
