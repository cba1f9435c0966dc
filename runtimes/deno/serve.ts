import type { Hono } from 'hono'
import { splitHostPort } from '../node/split-host-port.ts'

export { splitHostPort }

export interface Served {
  /** The bound port (useful with port 0). */
  port: number
  close(): Promise<void>
}

/** Serves a Hono app over HTTP with `Deno.serve`. `addr` is `host:port`. */
export function serveHttp(app: Hono, addr: string): Promise<Served> {
  const { hostname, port } = splitHostPort(addr)
  return new Promise((resolve, reject) => {
    try {
      // Deno.serve binds before it returns (a bind error throws); onListen replaces Deno's banner.
      const server = Deno.serve({ hostname, port, onListen() {} }, app.fetch)
      resolve({ port: server.addr.port, close: () => server.shutdown() })
    } catch (e) {
      reject(e)
    }
  })
}
