/**
 * A small fake of Consul's KV HTTP API (Consul cannot be installed here): GET /v1/kv/<key>?raw,
 * PUT /v1/kv/<key> and PUT /v1/kv/<key>?cas=0 (create only if absent), as Consul documents them.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface FakeConsul {
  address: string
  kv: Map<string, string>
  close(): Promise<void>
}

export async function startFakeConsul(): Promise<FakeConsul> {
  const kv = new Map<string, string>()
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://consul')
    if (!url.pathname.startsWith('/v1/kv/')) return void res.writeHead(404).end()
    const key = decodeURIComponent(url.pathname.slice('/v1/kv/'.length))
    if (req.method === 'GET') {
      const value = kv.get(key)
      if (value === undefined) return void res.writeHead(404).end()
      if (url.searchParams.has('raw')) return void res.writeHead(200).end(value)
      return void res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify([{ Key: key, Value: Buffer.from(value).toString('base64') }]))
    }
    if (req.method === 'PUT') {
      let body = ''
      req.on('data', (d: Buffer) => (body += d.toString()))
      req.on('end', () => {
        const cas = url.searchParams.get('cas')
        // cas=0: only if the key does not exist (Consul's check-and-set with index 0).
        const ok = cas === '0' ? !kv.has(key) : true
        if (ok) kv.set(key, body)
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(String(ok))
      })
      return
    }
    res.writeHead(405).end()
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return {
    address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    kv,
    close: () => new Promise<void>((r) => server.close(() => r())),
  }
}
