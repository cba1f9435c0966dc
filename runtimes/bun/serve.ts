import type { Hono } from 'hono'
import { splitHostPort } from '../node/split-host-port.ts'

export { splitHostPort }

export interface Served {
  /** The bound port (useful with port 0). */
  port: number
  close(): Promise<void>
}

/** Serves a Hono app over HTTP with `Bun.serve`. `addr` is `host:port`. */
export function serveHttp(app: Hono, addr: string, options: { websocket?: unknown } = {}): Promise<Served> {
  const { hostname, port } = splitHostPort(addr)
  return new Promise((resolve, reject) => {
    try {
      // Bun.serve binds before it returns (a bind error throws). development: false keeps
      // Bun's HTML error pages out; it also turns SO_REUSEPORT on, which would let a second node
      // share a busy port silently, hence reusePort: false.
      const server = Bun.serve({ hostname, port, development: false, reusePort: false, fetch: app.fetch, ...options })
      resolve({ port: server.port, close: () => server.stop(true) })
    } catch (e) {
      reject(e)
    }
  })
}
