/**
 * A node's connections to its peers over TLS on Bun (`-node-*`): Bun's fetch and WebSocket both
 * take a `tls` option (CA, the node's certificate for mutual TLS, verification, a common-name
 * check), re-read when the files change. The node addresses peers as `http://`/`ws://`; here
 * those become `https://`/`wss://`.
 */
import type { PeerCertificate } from 'node:tls'
import type { OpenWebSocket, WebSocketLike } from '../../src/ports/web-socket.ts'
import type { TlsClientOptions } from '../../src/tls/tls-options.ts'
import { type TlsMaterial, loadTls, watchTls } from '../node/tls-files.ts'

export interface PeerTls {
  fetch: typeof fetch
  openWebSocket: OpenWebSocket
  close(): void
}

export function peerTls(tls: TlsClientOptions, onError: (message: string) => void): PeerTls {
  const settingsFor = (m: TlsMaterial) => ({
    cert: m.cert.toString(),
    key: m.key.toString(),
    ...(m.ca ? { ca: m.ca.toString() } : {}),
    rejectUnauthorized: !tls.noVerify,
    ...(tls.verifyCommonName
      ? {
          checkServerIdentity: (_host: string, cert: PeerCertificate) =>
            cert.subject?.CN === tls.verifyCommonName ? undefined : new Error(`peer certificate common name ${JSON.stringify(cert.subject?.CN)} is not ${JSON.stringify(tls.verifyCommonName)}`),
        }
      : {}),
  })
  let settings = settingsFor(loadTls(tls.certFile, tls.keyFile, tls.caFile))
  const stop = watchTls(tls.certFile, tls.keyFile, tls.caFile, (m) => (settings = settingsFor(m)), onError)
  const tlsFetch = ((input: string | URL | Request, init: RequestInit = {}) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url)
    if (url.protocol === 'http:') url.protocol = 'https:'
    return fetch(url, { ...init, tls: settings } as RequestInit)
  }) as typeof fetch
  return {
    fetch: tlsFetch,
    openWebSocket: (address) => new WebSocket(address.replace(/^ws:/, 'wss:'), { tls: settings } as unknown as string[]) as unknown as WebSocketLike,
    close: stop,
  }
}
