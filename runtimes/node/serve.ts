import { type ServerType, serve } from '@hono/node-server'
import type { Hono } from 'hono'
import { splitHostPort } from './split-host-port.ts'

export { splitHostPort }

export interface Served {
  /** The bound port (useful with port 0). */
  port: number
  close(): Promise<void>
}

/**
 * Serves a Hono app over HTTP with Node's `http` module. `addr` is `host:port`. `onServer` sees
 * the server before it listens (to attach WebSocket upgrades).
 */
export function serveHttp(app: Hono, addr: string, onServer?: (server: ServerType) => void): Promise<Served> {
  const { hostname, port } = splitHostPort(addr)
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, hostname, port }, (info) => {
      resolve({
        port: info.port,
        close: () => new Promise((done) => {
          server.close(() => done())
          ;(server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.()
        }),
      })
    })
    server.once('error', reject)
    onServer?.(server)
  })
}
