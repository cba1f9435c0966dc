/**
 * Backups to Amazon S3 or any S3-compatible store (MinIO, s3rver…), signed with SigV4 by
 * aws4fetch (on `fetch` and Web Crypto). Virtual-hosted URLs by default; `force_path_style`
 * puts the bucket in the path, as most self-hosted stores need. The body is streamed with its
 * length and an unsigned payload hash, so it is never held in memory.
 */
import { AwsClient } from 'aws4fetch'
import type { TargetConfig } from './backup-config.ts'
import { type BackupTarget, readAllText } from './backup-target.ts'

type S3Config = Extract<TargetConfig, { type: 's3' }>

export class S3Target implements BackupTarget {
  readonly description: string
  readonly name: string
  readonly #client: AwsClient
  readonly #config: S3Config
  readonly #fetch: typeof fetch

  constructor(config: S3Config, fetcher: typeof fetch = (...args) => fetch(...args)) {
    this.#config = config
    this.name = config.path
    this.#fetch = fetcher
    this.#client = new AwsClient({ accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey, region: config.region, service: 's3' })
    this.description = `s3 ${this.url(config.path)}`
  }

  url(key: string): string {
    const { bucket, region, endpoint, forcePathStyle } = this.#config
    const base = new URL(endpoint || `https://s3.${region}.amazonaws.com`)
    const path = key.split('/').map(encodeURIComponent).join('/')
    if (forcePathStyle) return `${base.origin}${base.pathname.replace(/\/$/, '')}/${encodeURIComponent(bucket)}/${path}`
    return `${base.protocol}//${bucket}.${base.host}${base.pathname.replace(/\/$/, '')}/${path}`
  }

  async put(name: string, body: ReadableStream<Uint8Array>, length: number): Promise<void> {
    // Signed without the body (UNSIGNED-PAYLOAD), then sent with it streamed.
    const signed = await this.#client.sign(this.url(name), { method: 'PUT', headers: { 'Content-Length': String(length), 'Content-Type': 'application/octet-stream' } })
    const res = await this.#fetch(signed.url, { method: 'PUT', headers: signed.headers, body, ...({ duplex: 'half' } as object) })
    if (!res.ok) throw new Error(`S3 PUT ${name} failed: ${res.status} ${await readAllText(res.body ?? new ReadableStream(), 512)}`)
    await res.body?.cancel()
  }

  async get(name: string): Promise<ReadableStream<Uint8Array> | null> {
    const signed = await this.#client.sign(this.url(name), { method: 'GET' })
    const res = await this.#fetch(signed.url, { method: 'GET', headers: signed.headers })
    if (res.status === 404) {
      await res.body?.cancel()
      return null
    }
    if (!res.ok || !res.body) throw new Error(`S3 GET ${name} failed: ${res.status} ${await readAllText(res.body ?? new ReadableStream(), 512)}`)
    return res.body
  }
}
