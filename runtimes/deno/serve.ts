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

export interface DenoServeOptions extends ServeOptions {
  /** Where a failed certificate reload is reported. */
  onError?: (message: string) => void
}

/**
 * Serves a Hono app over HTTP with `Deno.serve`, or HTTPS with `tls` (the listener restarted on
 * the same port when the certificate changes: Deno cannot swap it on a live server). Deno.serve
 * cannot request client certificates; `runDaemon` refuses the flags that need them on Deno.
 * `addr` is `host:port`.
 */
export function serveHttp(app: Hono, addr: string, options: DenoServeOptions = {}): Promise<Served> {
  const { hostname, port } = splitHostPort(addr)
  const { tls, onError = () => {} } = options
  return new Promise((resolve, reject) => {
    try {
      // Deno.serve binds before it returns (a bind error throws); onListen replaces Deno's banner.
      const listen = (port: number, pem?: { cert: string; key: string }) => {
        const server = Deno.serve({ hostname, port, onListen() {}, ...(pem ? { cert: pem.cert, key: pem.key } : {}) }, app.fetch)
        return { port: server.addr.port, stop: () => server.shutdown() }
      }
      if (!tls) {
        const server = listen(port)
        resolve({ port: server.port, close: server.stop })
        return
      }
      resolve(serveTlsRestarting(tls, port, (pem, p) => listen(p, pem), onError))
    } catch (e) {
      reject(e)
    }
  })
}
