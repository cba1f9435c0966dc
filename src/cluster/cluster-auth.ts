/**
 * The cluster secret: with node-to-node TLS off, every request between nodes — Raft batches,
 * the WebSocket upgrade of a Raft stream, snapshot streams, cluster RPCs — carries an HMAC-SHA-256
 * over what it asks (method, path and query, the sender and snapshot headers, the body's
 * SHA-256), a timestamp and a nonce, keyed by a secret only members know. The cluster port
 * refuses anything else with 401, before reading a body. A captured request cannot be replayed
 * (each nonce counts once within the allowed clock skew) or altered (its body is hashed; a
 * snapshot stream's frames carry HMACs of their own, `snapshot-mac.ts`). It does not encrypt:
 * against an eavesdropper on the path, use TLS.
 */
import { constantTimeEqual, sha256 } from '../auth/password.ts'
import type { Clock } from '../ports/clock.ts'
import type { RandomSource } from '../ports/random.ts'
import { hmacSha256 } from './hmac-sha256.ts'
import { SENDER_HEADER, SNAPSHOT_HEADER } from './wire.ts'

export const AUTH_HEADER = 'X-Raftlite-Auth'
/** Hex SHA-256 of the body; `stream` for a streamed one (a snapshot); absent without a body. */
export const CONTENT_HEADER = 'X-Raftlite-Content-Sha256'
/** How far the clocks of two nodes may disagree before their requests are refused. */
export const MAX_CLOCK_SKEW_MS = 120_000
/** Shorter secrets are refused: the HMAC is only as strong as the secret. */
export const MIN_SECRET_BYTES = 16

const TOKEN = /^(\d{1,15})\.([0-9a-f]{32})\.([A-Za-z0-9_-]{43})$/

/** What a signature covers, besides the timestamp and nonce. */
export interface SignedParts {
  method: string
  /** Path and query as sent (`/raft/stream?from=…`), without the `auth` parameter. */
  target: string
  sender?: string | null
  snapshot?: string | null
  content?: string | null
}

export class ClusterAuth {
  readonly #key: Uint8Array
  readonly #clock: Pick<Clock, 'now'>
  readonly #random: RandomSource
  /** Nonces seen, with their timestamps, oldest first (pruned once out of the skew window). */
  readonly #seen = new Map<string, number>()
  #lastReport = -Infinity
  #refusedSinceReport = 0

  constructor(secret: string, clock: Pick<Clock, 'now'>, random: RandomSource) {
    const key = new TextEncoder().encode(secret)
    if (key.byteLength < MIN_SECRET_BYTES) throw new Error(`the cluster secret must be at least ${MIN_SECRET_BYTES} bytes long (it is ${key.byteLength})`)
    this.#key = key
    this.#clock = clock
    this.#random = random
  }

  /** A token for a request: `<timestamp ms>.<nonce>.<signature>`. */
  sign(parts: SignedParts): string {
    const nonceBytes = new Uint8Array(16)
    this.#random.fill(nonceBytes)
    const ts = String(Math.floor(this.#clock.now()))
    const nonce = hex(nonceBytes)
    return `${ts}.${nonce}.${base64url(this.#mac(parts, ts, nonce))}`
  }

  /** Why a request's token is refused, or undefined when it is good (its nonce is then spent). */
  verify(parts: SignedParts, token: string | null | undefined): string | undefined {
    if (!token) return 'no cluster credentials (is the cluster secret set on this node and not on the sender?)'
    const m = TOKEN.exec(token)
    if (!m) return 'malformed cluster credentials'
    const [, ts, nonce, signature] = m
    const now = this.#clock.now()
    const skew = Number(ts) - now
    if (Math.abs(skew) > MAX_CLOCK_SKEW_MS) return `request timestamp is ${Math.round(skew / 1000)} s off this node's clock (at most ${MAX_CLOCK_SKEW_MS / 1000} s allowed)`
    if (!constantTimeEqual(new TextEncoder().encode(base64url(this.#mac(parts, ts, nonce))), new TextEncoder().encode(signature))) {
      return 'bad signature (a different cluster secret?)'
    }
    this.#forgetOld(now)
    if (this.#seen.has(nonce)) return 'replayed request'
    this.#seen.set(nonce, Number(ts))
    return undefined
  }

  /**
   * Whether a refusal should be reported now: at most one a second, so a flood of forged
   * requests cannot flood the log. Returns how many were not reported since the last one.
   */
  reportRefusal(): number | null {
    const now = this.#clock.now()
    this.#refusedSinceReport++
    if (now - this.#lastReport < 1000) return null
    const unreported = this.#refusedSinceReport - 1
    this.#lastReport = now
    this.#refusedSinceReport = 0
    return unreported
  }

  /** Whether `bytes` is the body the signed content header announced. */
  async bodyMatches(content: string | null | undefined, bytes: Uint8Array): Promise<boolean> {
    if (!content) return bytes.byteLength === 0
    return content === hex(await sha256(bytes))
  }

  #mac(parts: SignedParts, ts: string, nonce: string): Uint8Array {
    const text = ['raftlite-cluster-v1', parts.method.toUpperCase(), parts.target, ts, nonce, parts.sender ?? '', parts.snapshot ?? '', parts.content ?? ''].join('\n')
    return hmacSha256(this.#key, new TextEncoder().encode(text))
  }

  #forgetOld(now: number): void {
    for (const [nonce, ts] of this.#seen) {
      if (ts >= now - MAX_CLOCK_SKEW_MS && this.#seen.size < 1_000_000) break
      this.#seen.delete(nonce)
    }
  }
}

/**
 * `fetch` that signs every request it makes. A streamed body is announced as `stream`: only its
 * headers are signed (a snapshot's frames carry their own MACs).
 */
export function signedFetch(auth: ClusterAuth, inner: typeof fetch): typeof fetch {
  return async (input, init = {}) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url)
    const headers = new Headers(init.headers)
    const body = init.body
    let content = ''
    if (body instanceof Uint8Array) content = hex(await sha256(body))
    else if (typeof body === 'string') content = hex(await sha256(new TextEncoder().encode(body)))
    else if (body !== undefined && body !== null) content = 'stream'
    if (content) headers.set(CONTENT_HEADER, content)
    const method = init.method ?? 'GET'
    headers.set(AUTH_HEADER, auth.sign({ method, target: url.pathname + url.search, sender: headers.get(SENDER_HEADER), snapshot: headers.get(SNAPSHOT_HEADER), content }))
    return inner(input, { ...init, headers })
  }
}

/** A WebSocket URL with a token for its upgrade request (a WebSocket cannot set headers). */
export function signedWebSocketUrl(auth: ClusterAuth, url: string): string {
  const u = new URL(url)
  const token = auth.sign({ method: 'GET', target: u.pathname + u.search })
  return `${u.href}${u.search ? '&' : '?'}auth=${encodeURIComponent(token)}`
}

/** The token of a request (header, or the WebSocket's `auth` parameter) and the target it signs. */
export function requestToken(method: string, url: URL, header: string | null | undefined): { token: string | null; parts: SignedParts } {
  if (header) return { token: header, parts: { method, target: url.pathname + url.search } }
  const m = /[?&]auth=([^&]*)$/.exec(url.search)
  if (!m) return { token: null, parts: { method, target: url.pathname + url.search } }
  let token: string | null
  try {
    token = decodeURIComponent(m[1])
  } catch {
    token = null
  }
  return { token, parts: { method, target: url.pathname + url.search.slice(0, m.index) } }
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
}

function base64url(bytes: Uint8Array): string {
  let s = ''
  for (const b of bytes) s += String.fromCharCode(b)
  return btoa(s).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '')
}
