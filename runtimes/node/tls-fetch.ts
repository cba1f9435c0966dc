/**
 * fetch with the shell's TLS options on Node: a trusted CA (-c), a client certificate and key
 * for mutual TLS (-d, -k), or no verification (-i). Node's global fetch takes none of these, so
 * HTTPS requests go through `node:https` when any is set; otherwise the global fetch serves.
 */
import { readFileSync } from 'node:fs'
import { request } from 'node:https'
import { Readable } from 'node:stream'
import type { FetchPort } from '../../src/shell/shell-http.ts'
import type { ShellOptions } from '../../src/shell/shell-options.ts'

export function tlsFetch(options: ShellOptions): FetchPort {
  if (options.scheme !== 'https' || (!options.caCert && !options.clientCert && !options.clientKey && !options.insecure)) return globalThis.fetch
  if (Boolean(options.clientCert) !== Boolean(options.clientKey)) throw new Error('mutual TLS needs both -d/--client-cert and -k/--client-key')
  const read = (path: string, what: string) => {
    try {
      return readFileSync(path)
    } catch (e) {
      throw new Error(`cannot read the ${what} ${path}: ${(e as Error).message}`)
    }
  }
  const tls = {
    ca: options.caCert ? read(options.caCert, 'CA certificate') : undefined,
    cert: options.clientCert ? read(options.clientCert, 'client certificate') : undefined,
    key: options.clientKey ? read(options.clientKey, 'client key') : undefined,
    rejectUnauthorized: !options.insecure,
  }
  return (url, init) => {
    if (!url.startsWith('https:')) return globalThis.fetch(url, init)
    return new Promise<Response>((resolve, reject) => {
      const req = request(url, { method: init.method ?? 'GET', headers: init.headers as Record<string, string>, signal: init.signal ?? undefined, ...tls }, (res) => {
        const headers = new Headers()
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v)
        const status = res.statusCode ?? 0
        const empty = status === 204 || status === 304 || init.method === 'HEAD'
        resolve(new Response(empty ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>), { status, statusText: res.statusMessage, headers }))
      })
      req.once('error', (e) => reject(new TypeError('fetch failed', { cause: e })))
      const body = init.body
      if (body === undefined || body === null) req.end()
      else if (body instanceof ReadableStream) Readable.fromWeb(body as import('node:stream/web').ReadableStream).pipe(req)
      else req.end(typeof body === 'string' ? body : Buffer.from(body as Uint8Array))
    })
  }
}
