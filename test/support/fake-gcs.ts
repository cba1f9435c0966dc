/**
 * A small fake of the two Google Cloud Storage JSON API calls raftlite's GCS target makes
 * (media upload, media download) and of the OAuth token endpoint, on loopback. It checks what
 * a real one would: the JWT's RS256 signature against the service account's public key, its
 * claims, and the bearer token on every storage call.
 */
import { createServer, type Server } from 'node:http'
import { createVerify, generateKeyPairSync } from 'node:crypto'

export interface FakeGcs {
  endpoint: string
  /** A service-account key file's content, whose token_uri is this fake. */
  key: { client_email: string; private_key: string; token_uri: string }
  objects: Map<string, Buffer>
  calls: string[]
  close(): Promise<void>
}

export async function startFakeGcs(bucket: string): Promise<FakeGcs> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const objects = new Map<string, Buffer>()
  const calls: string[] = []
  const token = `token-${Math.random().toString(36).slice(2)}`
  const email = 'backup@project.iam.gserviceaccount.com'
  let endpoint = ''
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = []
    for await (const c of req) chunks.push(c as Buffer)
    const body = Buffer.concat(chunks)
    const url = new URL(req.url ?? '/', endpoint)
    const send = (status: number, text = '') => res.writeHead(status, { 'Content-Type': 'application/json' }).end(text)
    calls.push(`${req.method} ${url.pathname}`)
    if (req.method === 'POST' && url.pathname === '/token') {
      const form = new URLSearchParams(body.toString())
      const [h, p, s] = (form.get('assertion') ?? '').split('.')
      const verified = h && p && s && createVerify('RSA-SHA256').update(`${h}.${p}`).verify(publicKey, Buffer.from(s, 'base64url'))
      const claims = p ? JSON.parse(Buffer.from(p, 'base64url').toString()) : {}
      if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer' || !verified || claims.iss !== email || claims.aud !== `${endpoint}/token` || !String(claims.scope).includes('devstorage')) {
        return send(400, '{"error":"invalid_grant"}')
      }
      return send(200, JSON.stringify({ access_token: token, expires_in: 3600, token_type: 'Bearer' }))
    }
    if (req.headers.authorization !== `Bearer ${token}`) return send(401, '{"error":"unauthorized"}')
    if (req.method === 'POST' && url.pathname === `/upload/storage/v1/b/${bucket}/o` && url.searchParams.get('uploadType') === 'media') {
      objects.set(url.searchParams.get('name') ?? '', body)
      return send(200, JSON.stringify({ name: url.searchParams.get('name'), size: String(body.length) }))
    }
    const prefix = `/storage/v1/b/${bucket}/o/`
    if (req.method === 'GET' && url.pathname.startsWith(prefix) && url.searchParams.get('alt') === 'media') {
      const object = objects.get(decodeURIComponent(url.pathname.slice(prefix.length)))
      if (!object) return send(404, '{"error":"not found"}')
      return res.writeHead(200, { 'Content-Type': 'application/octet-stream' }).end(object)
    }
    return send(404, '{"error":"no such call"}')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  endpoint = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`
  return {
    endpoint,
    key: { client_email: email, private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), token_uri: `${endpoint}/token` },
    objects,
    calls,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
