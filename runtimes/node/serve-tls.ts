/** HTTPS on Node for the API (`-http-*`) and the cluster port (`-node-*`), certificates reloaded on change. */
import { createServer, type Server } from 'node:https'
import type { TLSSocket } from 'node:tls'
import type { TlsServerOptions } from '../../src/tls/tls-options.ts'
import { loadTls, watchTls } from './tls-files.ts'

export interface TlsServerHooks {
  /** Node's `serverOptions` and `createServer` for @hono/node-server's `serve`. */
  createServer: typeof createServer
  serverOptions: Record<string, unknown>
  /** Wires the reload and the common-name check once the server exists; returns the stop. */
  attach(server: Server): () => void
}

export function tlsServer(tls: TlsServerOptions, onError: (message: string) => void): TlsServerHooks {
  const material = loadTls(tls.certFile, tls.keyFile, tls.caFile)
  return {
    createServer,
    serverOptions: { ...material, requestCert: tls.verifyClient, rejectUnauthorized: tls.verifyClient },
    attach(server) {
      if (tls.verifyClient && tls.verifyCommonName) {
        server.on('secureConnection', (socket: TLSSocket) => {
          const cn = socket.getPeerCertificate()?.subject?.CN
          if (cn !== tls.verifyCommonName) socket.destroy()
        })
      }
      return watchTls(tls.certFile, tls.keyFile, tls.caFile, (m) => server.setSecureContext(m), onError)
    },
  }
}
