/**
 * HTTPS whose certificate is swapped by restarting the listener, for runtimes that cannot change
 * a live server's certificate (Deno's `Deno.serve`, Bun's `Bun.serve`, whose `reload` keeps the
 * old one). Shared by the Deno and Bun adapters. On a change on disk the new pair is first tried
 * on a throwaway listener (a bad pair never replaces a good one), then the old listener stops
 * accepting (requests in flight finish) and a new one binds the same port.
 */
import { setTimeout } from 'node:timers/promises'
import type { TlsServerOptions } from '../../src/tls/tls-options.ts'
import { type TlsMaterial, loadTls, watchTls } from './tls-files.ts'

/** One listener of the runtime, serving with one certificate. */
export interface TlsListener {
  port: number
  /** Stops accepting connections; requests in flight may finish, unless `closeConnections`. */
  stop(closeConnections?: boolean): Promise<void>
}

export interface RestartingTlsServer {
  port: number
  close(): Promise<void>
}

/** The certificate, key and CA as PEM text (what Deno.serve and Bun.serve take). */
export interface PemMaterial {
  cert: string
  key: string
  ca?: string
}

const pem = (m: TlsMaterial): PemMaterial => ({ cert: m.cert.toString(), key: m.key.toString(), ...(m.ca ? { ca: m.ca.toString() } : {}) })

export function serveTlsRestarting(
  tls: TlsServerOptions,
  port: number,
  listen: (material: PemMaterial, port: number) => TlsListener,
  onError: (message: string) => void,
): RestartingTlsServer {
  let material = pem(loadTls(tls.certFile, tls.keyFile, tls.caFile))
  let current = listen(material, port)
  let swapping = Promise.resolve()
  const swap = async (next: PemMaterial) => {
    try {
      await listen(next, 0).stop() // throws on a certificate the runtime cannot use
    } catch (e) {
      onError(`the certificate ${tls.certFile} and key ${tls.keyFile} cannot be used: ${e instanceof Error ? e.message : String(e)}; keeping the previous certificate`)
      return
    }
    const old = current
    void old.stop()
    // The old socket may take a moment to release the port; retry briefly, then fall back.
    for (let attempt = 0; ; attempt++) {
      try {
        current = listen(next, current.port)
        material = next
        return
      } catch (e) {
        if (attempt < 40) {
          await setTimeout(25)
          continue
        }
        onError(`cannot restart the TLS listener on port ${old.port} with the new certificate: ${e instanceof Error ? e.message : String(e)}`)
        try {
          current = listen(material, old.port)
        } catch (again) {
          // Nothing listens on the port now; say so loudly rather than fail silently.
          onError(`the TLS listener on port ${old.port} could not be restarted at all and is down: ${again instanceof Error ? again.message : String(again)}`)
        }
        return
      }
    }
  }
  const stopWatching = watchTls(tls.certFile, tls.keyFile, tls.caFile, (m) => {
    swapping = swapping.then(() => swap(pem(m)))
  }, onError)
  return {
    port: current.port,
    close: async () => {
      stopWatching()
      await swapping
      await current.stop(true)
    },
  }
}
