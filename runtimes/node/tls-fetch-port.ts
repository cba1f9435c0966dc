import { Agent, request } from 'node:https'
import type { TlsFetchOptions, TlsFetch } from '../../src/ports/tls-fetch.ts'

/**
 * `fetch` with TLS settings, on `node:https` (Node's fetch takes no CA or client certificate).
 * Deno and Bun implement `node:https` too. Enough for a webhook: method, headers, a text or
 * byte body, the abort signal; the answer's body is read whole.
 */
export const nodeTlsFetch: TlsFetch = (options: TlsFetchOptions) => {
  const agent = new Agent({
    ca: options.ca,
    cert: options.cert,
    key: options.key,
    rejectUnauthorized: !options.insecureSkipVerify,
    servername: options.serverName || undefined,
    keepAlive: true,
  })
  return (async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = new URL(input instanceof Request ? input.url : String(input))
    if (url.protocol !== 'https:') return fetch(input, init)
    const body = init.body === undefined || init.body === null ? undefined : typeof init.body === 'string' ? init.body : new Uint8Array(await new Response(init.body).arrayBuffer())
    return new Promise<Response>((resolve, reject) => {
      const req = request(url, { method: init.method ?? 'GET', headers: Object.fromEntries(new Headers(init.headers).entries()), agent, signal: init.signal ?? undefined }, (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => resolve(new Response(res.statusCode === 204 || res.statusCode === 304 ? null : Buffer.concat(chunks), { status: res.statusCode ?? 0 })))
        res.on('error', reject)
      })
      req.on('error', reject)
      req.end(body)
    })
  }) as typeof fetch
}
