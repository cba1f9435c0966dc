import type { Hono } from 'hono'
import type { ServeOptions } from '../../src/http/connection-limits.ts'
import { splitHostPort } from '../node/split-host-port.ts'
import { serveTlsRestarting } from '../node/tls-restart.ts'

export { splitHostPort }

export interface Served {
  /** The bound port (useful with port 0). */
  port: number
  close(): Promise<void>
}

export interface BunServeOptions extends ServeOptions {
  websocket?: unknown
  /** Where a failed certificate reload is reported. */
  onError?: (message: string) => void
}

/**
 * Serves a Hono app over HTTP with `Bun.serve`, or HTTPS with `tls` (client certificates
 * required and verified with `verifyClient`; the listener restarted on the same port when the
 * certificate changes, since `server.reload` keeps the old one). `addr` is `host:port`.
 */
export function serveHttp(app: Hono, addr: string, options: BunServeOptions = {}): Promise<Served> {
  const { hostname, port } = splitHostPort(addr)
  const { tls, onError = () => {}, websocket } = options
  return new Promise((resolve, reject) => {
    try {
      // Bun.serve binds before it returns (a bind error throws). development: false keeps
      // Bun's HTML error pages out; it also turns SO_REUSEPORT on, which would let a second node
      // share a busy port silently, hence reusePort: false.
      const listen = (port: number, secure?: Bun.TLSOptions) => {
        const server = Bun.serve({ hostname, port, development: false, reusePort: false, fetch: app.fetch, ...(websocket ? { websocket } : {}), ...(secure ? { tls: secure } : {}) })
        return { port: server.port, stop: (closeConnections = false) => server.stop(closeConnections) }
      }
      if (!tls) {
        const server = Bun.serve({ hostname, port, development: false, reusePort: false, fetch: app.fetch, ...(websocket ? { websocket } : {}) })
        resolve({ port: server.port, close: () => server.stop(true) })
        return
      }
      const verify = { requestCert: tls.verifyClient, rejectUnauthorized: tls.verifyClient }
      resolve(serveTlsRestarting(tls, port, (pem, p) => listen(p, { ...pem, ...verify }), onError))
    } catch (e) {
      reject(e)
    }
  })
}
