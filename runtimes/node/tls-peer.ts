/**
 * A node's connections to its peers over TLS on Node (`-node-*`): `fetch` on `https.request`
 * (Node's built-in fetch cannot present a client certificate or trust a private CA without
 * undici, which is not a dependency) and Raft streams on `ws` with the same settings. The node
 * addresses peers as `http://`/`ws://`; here those become `https://`/`wss://`. The certificate
 * and key are reloaded when their files change.
 */
import { Agent, request } from 'node:https'
import type { IncomingMessage } from 'node:http'
import { Readable } from 'node:stream'
import { type PeerCertificate, checkServerIdentity } from 'node:tls'
import { WebSocket } from 'ws'
import type { OpenWebSocket, WebSocketLike } from '../../src/ports/web-socket.ts'
import type { TlsClientOptions } from '../../src/tls/tls-options.ts'
import { type TlsMaterial, loadTls, watchTls } from './tls-files.ts'

export interface PeerTls {
  fetch: typeof fetch
  openWebSocket: OpenWebSocket
  close(): void
}

export function peerTls(tls: TlsClientOptions, onError: (message: string) => void): PeerTls {
  let material = loadTls(tls.certFile, tls.keyFile, tls.caFile)
  const settings = () => ({
    ...material,
    rejectUnauthorized: !tls.noVerify,
    ...(tls.verifyServerName ? { servername: tls.verifyServerName } : {}),
    checkServerIdentity: (host: string, cert: PeerCertificate) => {
      if (tls.verifyCommonName && cert.subject?.CN !== tls.verifyCommonName) {
        return new Error(`peer certificate common name ${JSON.stringify(cert.subject?.CN)} is not ${JSON.stringify(tls.verifyCommonName)}`)
      }
      return checkServerIdentity(tls.verifyServerName || host, cert)
    },
  })
  let agent = new Agent({ keepAlive: true, ...settings() })
  const stop = watchTls(tls.certFile, tls.keyFile, tls.caFile, (m: TlsMaterial) => {
    material = m
    const old = agent
    agent = new Agent({ keepAlive: true, ...settings() })
    old.destroy()
  }, onError)

  const tlsFetch = (async (input: string | URL | Request, init: RequestInit = {}) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url)
    if (url.protocol === 'http:') url.protocol = 'https:'
    const headers: Record<string, string> = {}
    new Headers(init.headers).forEach((v, k) => (headers[k] = v))
    return new Promise<Response>((resolve, reject) => {
      const req = request(url, { method: init.method ?? 'GET', headers, agent, signal: init.signal ?? undefined }, (res: IncomingMessage) => {
        const status = res.statusCode ?? 500
        const responseHeaders = new Headers()
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) responseHeaders.set(k, Array.isArray(v) ? v.join(', ') : v)
        const nullBody = status === 204 || status === 304 || init.method === 'HEAD'
        if (nullBody) res.resume()
        resolve(new Response(nullBody ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>), { status, headers: responseHeaders }))
      })
      req.on('error', reject)
      const body = init.body
      if (body === undefined || body === null) req.end()
      else if (body instanceof Uint8Array || typeof body === 'string') req.end(body)
      else if (body instanceof ReadableStream) Readable.fromWeb(body as never).on('error', (e) => req.destroy(e)).pipe(req)
      else reject(new Error('unsupported request body for a peer'))
    })
  }) as typeof fetch

  return {
    fetch: tlsFetch,
    openWebSocket: (address) => new WebSocket(address.replace(/^ws:/, 'wss:'), { ...settings() } as ConstructorParameters<typeof WebSocket>[2]) as unknown as WebSocketLike,
    close() {
      stop()
      agent.destroy()
    },
  }
}
