/**
 * A node's connections to its peers over TLS on Deno (`-node-*`): fetch and the Raft WebSocket
 * streams both go through a `Deno.createHttpClient` holding the CA and the node's certificate
 * (mutual TLS), recreated when the files change. The node addresses peers as `http://`/`ws://`;
 * here those become `https://`/`wss://`. Deno's client has no switch for skipping verification,
 * another server name or a common-name check: `denoTlsRefusal` refuses those flags.
 */
import type { OpenWebSocket, WebSocketLike } from '../../src/ports/web-socket.ts'
import type { TlsClientOptions } from '../../src/tls/tls-options.ts'
import { setTimeout } from 'node:timers'
import { type TlsMaterial, loadTls, watchTls } from '../node/tls-files.ts'

export interface PeerTls {
  fetch: typeof fetch
  openWebSocket: OpenWebSocket
  close(): void
}

export function peerTls(tls: TlsClientOptions, onError: (message: string) => void): PeerTls {
  const clientFor = (m: TlsMaterial) => Deno.createHttpClient({ ...(m.ca ? { caCerts: [m.ca.toString()] } : {}), cert: m.cert.toString(), key: m.key.toString() })
  let client = clientFor(loadTls(tls.certFile, tls.keyFile, tls.caFile))
  const stop = watchTls(tls.certFile, tls.keyFile, tls.caFile, (m) => {
    const old = client
    client = clientFor(m)
    // Requests on the old client may still be running; let them finish before closing it.
    setTimeout(() => old.close(), 60_000).unref()
  }, onError)
  const tlsFetch = ((input: string | URL | Request, init: RequestInit = {}) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url)
    if (url.protocol === 'http:') url.protocol = 'https:'
    return fetch(url, { ...init, client } as RequestInit)
  }) as typeof fetch
  return {
    fetch: tlsFetch,
    openWebSocket: (address) => new WebSocket(address.replace(/^ws:/, 'wss:'), { client } as unknown as string[]) as unknown as WebSocketLike,
    close() {
      stop()
      client.close()
    },
  }
}
