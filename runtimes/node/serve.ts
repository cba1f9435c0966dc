import { serve } from '@hono/node-server'
import type { Hono } from 'hono'
import { splitHostPort } from './split-host-port.ts'

export { splitHostPort }

export interface Served {
  /** The bound port (useful with port 0). */
  port: number
  close(): Promise<void>
}

/** Serves a Hono app over HTTP with Node's `http` module. `addr` is `host:port`. */
export function serveHttp(app: Hono, addr: string): Promise<Served> {
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
  })
}
