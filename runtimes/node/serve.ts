import { serve } from '@hono/node-server'
import type { Hono } from 'hono'

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

export function splitHostPort(addr: string): { hostname: string; port: number } {
  const i = addr.lastIndexOf(':')
  if (i < 0) throw new Error(`address "${addr}" must be host:port`)
  const hostname = addr.slice(0, i).replace(/^\[|\]$/g, '') || '0.0.0.0'
  const port = Number(addr.slice(i + 1))
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`address "${addr}" has an invalid port`)
  return { hostname, port }
}
