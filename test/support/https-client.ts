/** HTTPS requests from tests, with a private CA and an optional client certificate (Node's fetch takes neither). */
import { readFileSync } from 'node:fs'
import { request } from 'node:https'
import type { TLSSocket } from 'node:tls'

export interface HttpsOptions {
  ca: string
  cert?: string
  key?: string
  method?: string
  body?: string
  headers?: Record<string, string>
}

export interface HttpsResult {
  status: number
  text: string
  headers: Record<string, string | string[] | undefined>
  /** SHA-256 fingerprint of the certificate the server presented. */
  fingerprint: string
}

export function httpsRequest(url: string, o: HttpsOptions): Promise<HttpsResult> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: o.method ?? 'GET',
        headers: o.headers,
        ca: readFileSync(o.ca),
        ...(o.cert ? { cert: readFileSync(o.cert), key: readFileSync(o.key!) } : {}),
        agent: false,
      },
      (res) => {
        const fingerprint = (res.socket as TLSSocket).getPeerCertificate().fingerprint256
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (d: string) => (text += d))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text, headers: res.headers, fingerprint }))
      },
    )
    req.on('error', reject)
    req.setTimeout(10_000, () => req.destroy(new Error('timeout')))
    req.end(o.body)
  })
}
