/**
 * Backups to Google Cloud Storage through its JSON API: a media upload
 * (`POST /upload/storage/v1/b/<bucket>/o?uploadType=media&name=<name>`) and a media download
 * (`GET /storage/v1/b/<bucket>/o/<name>?alt=media`), authorized by an OAuth token obtained
 * with the service account's key: a JWT signed RS256 with Web Crypto, exchanged at the key's
 * `token_uri`. Tokens are reused until a minute before they expire.
 */
import type { FilePort } from '../ports/file-port.ts'
import { readTextFile } from '../ports/file-port.ts'
import type { Clock } from '../ports/clock.ts'
import type { TargetConfig } from './backup-config.ts'
import { type BackupTarget, readAllText } from './backup-target.ts'

type GcsConfig = Extract<TargetConfig, { type: 'gcs' }>

const SCOPE = 'https://www.googleapis.com/auth/devstorage.read_write'

interface ServiceAccountKey {
  client_email: string
  private_key: string
  token_uri: string
}

export class GcsTarget implements BackupTarget {
  readonly description: string
  readonly name: string
  readonly #config: GcsConfig
  readonly #files: FilePort
  readonly #clock: Clock
  readonly #fetch: typeof fetch
  readonly #base: string
  #token: { value: string; expiresAt: number } | null = null

  constructor(config: GcsConfig, files: FilePort, clock: Clock, fetcher: typeof fetch = (...args) => fetch(...args)) {
    this.#config = config
    this.#files = files
    this.#clock = clock
    this.#fetch = fetcher
    this.name = config.name
    this.#base = (config.endpoint || 'https://storage.googleapis.com').replace(/\/$/, '')
    this.description = `gcs gs://${config.bucket}/${config.name}`
  }

  async put(name: string, body: ReadableStream<Uint8Array>, length: number): Promise<void> {
    const url = `${this.#base}/upload/storage/v1/b/${encodeURIComponent(this.#config.bucket)}/o?uploadType=media&name=${encodeURIComponent(name)}`
    const headers = { Authorization: `Bearer ${await this.#accessToken()}`, 'Content-Type': 'application/octet-stream', 'Content-Length': String(length) }
    const res = await this.#fetch(url, { method: 'POST', headers, body, ...({ duplex: 'half' } as object) })
    if (!res.ok) throw new Error(`GCS upload of ${name} failed: ${res.status} ${await readAllText(res.body ?? new ReadableStream(), 512)}`)
    await res.body?.cancel()
  }

  async get(name: string): Promise<ReadableStream<Uint8Array> | null> {
    const url = `${this.#base}/storage/v1/b/${encodeURIComponent(this.#config.bucket)}/o/${encodeURIComponent(name)}?alt=media`
    const res = await this.#fetch(url, { headers: { Authorization: `Bearer ${await this.#accessToken()}` } })
    if (res.status === 404) {
      await res.body?.cancel()
      return null
    }
    if (!res.ok || !res.body) throw new Error(`GCS download of ${name} failed: ${res.status} ${await readAllText(res.body ?? new ReadableStream(), 512)}`)
    return res.body
  }

  async #accessToken(): Promise<string> {
    const now = this.#clock.now()
    if (this.#token && this.#token.expiresAt - 60_000 > now) return this.#token.value
    const key = this.#key()
    const assertion = await signJwt(key, Math.floor(now / 1000))
    const res = await this.#fetch(key.token_uri, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }).toString(),
    })
    const text = await readAllText(res.body ?? new ReadableStream(), 64 * 1024)
    if (!res.ok) throw new Error(`GCS token request failed: ${res.status} ${text.slice(0, 512)}`)
    const parsed = JSON.parse(text) as { access_token?: unknown; expires_in?: unknown }
    if (typeof parsed.access_token !== 'string') throw new Error('GCS token response has no access_token')
    const seconds = typeof parsed.expires_in === 'number' ? parsed.expires_in : 3600
    this.#token = { value: parsed.access_token, expiresAt: now + seconds * 1000 }
    return parsed.access_token
  }

  #key(): ServiceAccountKey {
    const path = this.#config.credentialsPath
    let parsed: Partial<ServiceAccountKey>
    try {
      parsed = JSON.parse(readTextFile(this.#files, path)) as Partial<ServiceAccountKey>
    } catch (e) {
      throw new Error(`cannot read the GCS credentials ${path}: ${e instanceof Error ? e.message : String(e)}`)
    }
    if (typeof parsed.client_email !== 'string' || typeof parsed.private_key !== 'string') {
      throw new Error(`GCS credentials ${path}: not a service-account key (client_email and private_key needed)`)
    }
    return { client_email: parsed.client_email, private_key: parsed.private_key, token_uri: parsed.token_uri ?? 'https://oauth2.googleapis.com/token' }
  }
}

async function signJwt(key: ServiceAccountKey, nowSeconds: number): Promise<string> {
  const encode = (value: object) => base64url(new TextEncoder().encode(JSON.stringify(value)))
  const unsigned = `${encode({ alg: 'RS256', typ: 'JWT' })}.${encode({ iss: key.client_email, scope: SCOPE, aud: key.token_uri, iat: nowSeconds, exp: nowSeconds + 3600 })}`
  const der = pemToDer(key.private_key)
  const cryptoKey = await crypto.subtle.importKey('pkcs8', der, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['sign'])
  const signature = await crypto.subtle.sign('RSASSA-PKCS1-v1_5', cryptoKey, new TextEncoder().encode(unsigned))
  return `${unsigned}.${base64url(new Uint8Array(signature))}`
}

function pemToDer(pem: string): ArrayBuffer {
  const body = pem.replace(/-----(BEGIN|END) PRIVATE KEY-----/g, '').replace(/\s+/g, '')
  const binary = atob(body)
  const out = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i)
  return out.buffer
}

function base64url(bytes: Uint8Array): string {
  let binary = ''
  for (const b of bytes) binary += String.fromCharCode(b)
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}
