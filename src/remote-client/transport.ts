/**
 * Sends one API request to the cluster: to the believed leader first, failing over to the other
 * hosts, with SAFE retries. A request is re-sent only when it cannot have taken effect (the
 * connection was refused, no leader was known, the node said it is not the leader) or when it
 * only reads. A write whose connection broke after it was sent throws `OutcomeUnknownError`
 * unless the caller opted in with `retryUnknownWrites`.
 */
import { Hosts } from './hosts.ts'
import { describe, NoHostAvailableError, OutcomeUnknownError, RemoteRequestError } from './remote-errors.ts'

export interface TransportOptions {
  hosts: string | readonly string[]
  auth?: { username: string; password: string }
  fetch?: typeof fetch
  fetchOptions?: Record<string, unknown>
  timeoutMs?: number
  failoverTimeoutMs?: number
  retryUnknownWrites?: boolean
  /**
   * Before the first write to a host, check with a GET that it can be reached, so that a refused
   * connection is failed over instead of reported as an unknown outcome. Default: on workerd only,
   * whose `fetch` throws the same "Network connection lost." for a refused connection and for one
   * lost after the write went out, so the error alone can never say a re-send is safe.
   */
  probeBeforeWrite?: boolean
}

export interface ApiRequest {
  method: 'GET' | 'POST'
  path: string
  params?: URLSearchParams
  body?: string
  /** A read may be sent again whatever happened; a write only if it cannot have been applied. */
  kind: 'read' | 'write'
  signal?: AbortSignal
}

export interface ApiResponse {
  host: string
  status: number
  response: Response
}

// Request-level errors that say the node did nothing: safe to send again, elsewhere.
const NOTHING_DONE = new Set(['not leader', 'leader not found'])
// Request-level errors after which a write may still commit: a node that stops fails its
// pending proposals with `store not open`, a proposal that timed out can commit later, and a
// forward can fail after the leader took it. A read meeting one is simply sent again.
const MAYBE_DONE = /^(store not open|leadership lost while committing log|forwarding to leader .* failed: .*)$|timeout/
const MAX_REDIRECTS = 5

export class Transport {
  readonly hosts: Hosts
  readonly #fetch: typeof fetch
  readonly #options: TransportOptions
  readonly #authorization: string | undefined
  readonly #probeBeforeWrite: boolean
  // Hosts that answered over HTTP since their last network error: no probe needed before a write.
  readonly #answered = new Set<string>()

  constructor(options: TransportOptions) {
    this.hosts = new Hosts(options.hosts)
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init))
    this.#options = options
    this.#authorization = options.auth ? `Basic ${base64(`${options.auth.username}:${options.auth.password}`)}` : undefined
    this.#probeBeforeWrite = options.probeBeforeWrite ?? onWorkerd()
  }

  /** The answer of the first host that served the request (2xx), else the right error. */
  async send(request: ApiRequest): Promise<ApiResponse> {
    const started = Date.now()
    const budget = this.#options.failoverTimeoutMs ?? 15_000
    let last: unknown = new Error('no attempt made')
    for (let round = 0; ; round++) {
      for (const host of this.hosts.order()) {
        let outcome: ApiResponse | { retry: unknown }
        try {
          outcome = await this.#attempt(host, request)
        } catch (e) {
          // The next call should not start with a host that just failed this way.
          if (e instanceof OutcomeUnknownError) this.hosts.avoid(host)
          throw e
        }
        if ('response' in outcome) {
          this.hosts.prefer(host)
          return outcome
        }
        this.hosts.avoid(host)
        last = outcome.retry
        if (Date.now() - started > budget) throw new NoHostAvailableError(this.hosts.all, Date.now() - started, last)
      }
      await this.#discoverLeader(request.signal)
      await sleep(Math.min(1000, 50 * 2 ** round), request.signal)
      if (Date.now() - started > budget) throw new NoHostAvailableError(this.hosts.all, Date.now() - started, last)
    }
  }

  /** Asks the hosts which of them leads (`GET /leader`), and prefers it. Best effort. */
  async #discoverLeader(signal: AbortSignal | undefined): Promise<void> {
    for (const host of this.hosts.all) {
      try {
        const res = await this.#fetch(`${host}/leader`, this.#init({ method: 'GET', signal: withTimeout(signal, 2000) }))
        if (!res.ok) {
          await res.body?.cancel()
          continue
        }
        const leader: unknown = await res.json()
        const apiAddr = typeof leader === 'object' && leader !== null && 'api_addr' in leader ? leader.api_addr : undefined
        const match = typeof apiAddr === 'string' ? this.hosts.match(apiAddr) : undefined
        if (match) return this.hosts.prefer(match)
      } catch {
        if (signal?.aborted) throw signal.reason
      }
    }
  }

  async #attempt(host: string, request: ApiRequest): Promise<ApiResponse | { retry: unknown }> {
    const query = request.params?.toString() ?? ''
    let url = `${host}${request.path}${query ? `?${query}` : ''}`
    if (request.kind === 'write' && this.#probeBeforeWrite && !this.#answered.has(host)) {
      const unreachable = await this.#probe(host, request.signal)
      if (unreachable) return { retry: unreachable }
    }
    for (let redirects = 0; ; redirects++) {
      // `timeoutMs` bounds each answer, read whole here; the change stream's body is read by
      // the caller, after this, so for it the timeout bounds the wait for the headers only.
      const deadline = new Deadline(request.signal, this.#options.timeoutMs ?? 30_000)
      try {
        const res = await this.#fetch(url, this.#init({
          method: request.method,
          body: request.body,
          headers: request.body === undefined ? {} : { 'Content-Type': 'application/json' },
          signal: deadline.signal,
        }))
        this.#answered.add(host)
        if (res.status >= 300 && res.status < 400 && redirects < MAX_REDIRECTS) {
          // A proxy, or `?redirect`: follow only to a configured host, never leak credentials.
          const target = this.#redirectTarget(res, url)
          await res.body?.cancel()
          if (!target) return { retry: new RemoteRequestError(`redirected (${res.status}) to a host not in the list`, res.status, host) }
          url = target
          continue
        }
        return await this.#judge(host, request, res)
      } catch (e) {
        if (request.signal?.aborted) throw request.signal.reason
        this.#answered.delete(host)
        if (e instanceof OutcomeUnknownError || e instanceof RemoteRequestError) throw e
        if (request.kind === 'read' || this.#options.retryUnknownWrites || neverConnected(e)) return { retry: e }
        throw new OutcomeUnknownError(host, e)
      } finally {
        deadline.clear()
      }
    }
  }

  /** Whether `host` answers a GET (any status will do): the network error if not, nothing sent. */
  async #probe(host: string, signal: AbortSignal | undefined): Promise<unknown> {
    try {
      const res = await this.#fetch(`${host}/readyz`, this.#init({ method: 'GET', signal: withTimeout(signal, 2000) }))
      await res.body?.cancel()
      this.#answered.add(host)
      return undefined
    } catch (e) {
      if (signal?.aborted) throw signal.reason
      return e
    }
  }

  /** An answer's status and request-level error: the response, a safe retry, or the error. */
  async #judge(host: string, request: ApiRequest, res: Response): Promise<ApiResponse | { retry: unknown }> {
    if (res.ok) return this.#checkRequestError(host, request, res)
    const text = await res.text()
    const message = `${res.status} from ${host}${request.path}${text.trim() ? `: ${text.trim()}` : ''}`
    // 503: no leader known (an election), nothing done. 500 `leader not found`: same, with redirect.
    if (res.status === 503 || (res.status === 500 && text.trim() === 'leader not found')) return { retry: new RemoteRequestError(message, res.status, host) }
    if (res.status >= 500) {
      if (request.kind === 'read' || this.#options.retryUnknownWrites) return { retry: new RemoteRequestError(message, res.status, host) }
      throw new OutcomeUnknownError(host, new RemoteRequestError(message, res.status, host))
    }
    throw new RemoteRequestError(message, res.status, host)
  }

  /** A 200 with a request-level error: retried elsewhere when that is safe, else passed on. */
  async #checkRequestError(host: string, request: ApiRequest, res: Response): Promise<ApiResponse | { retry: unknown }> {
    if (request.path === '/db/changes') return { host, status: res.status, response: res }
    const text = await res.text()
    const error = /^\{"results":\[\],"error":("(?:[^"\\]|\\.)*")/.exec(text)?.[1]
    if (error !== undefined) {
      const message = JSON.parse(error) as string
      const maybeDone = MAYBE_DONE.test(message)
      if (NOTHING_DONE.has(message) || (maybeDone && (request.kind === 'read' || this.#options.retryUnknownWrites))) {
        return { retry: new RemoteRequestError(message, res.status, host) }
      }
      if (maybeDone) throw new OutcomeUnknownError(host, new RemoteRequestError(message, res.status, host))
    }
    return { host, status: res.status, response: new Response(text, { status: res.status, headers: res.headers }) }
  }

  #redirectTarget(res: Response, from: string): string | undefined {
    const location = res.headers.get('location')
    if (!location) return undefined
    const target = new URL(location, from)
    return this.hosts.match(target.origin) ? target.toString() : undefined
  }

  #init(init: RequestInit): RequestInit {
    const headers = new Headers(init.headers)
    if (this.#authorization) headers.set('Authorization', this.#authorization)
    return { ...this.#options.fetchOptions, ...init, headers, redirect: 'manual' }
  }
}

const CONNECT_CODES = /^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|UND_ERR_CONNECT_TIMEOUT|ConnectionRefused)$/
// A certificate the client refuses fails the handshake, before any byte of the request is sent.
const TLS_CODES = /^(ERR_TLS_CERT_ALTNAME_INVALID|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY|SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|CERT_HAS_EXPIRED|CERT_NOT_YET_VALID|CERT_UNTRUSTED)$/

/** True when the error says no connection was made (or its TLS handshake failed), so nothing was sent. */
export function neverConnected(e: unknown): boolean {
  for (let x: unknown = e, depth = 0; x instanceof Error && depth < 4; x = x.cause, depth++) {
    const code = (x as { code?: unknown }).code
    if (typeof code === 'string' && (CONNECT_CODES.test(code) || TLS_CODES.test(code))) return true
    // Deno: "…client error (Connect): tcp connect error: Connection refused (os error 111)",
    // "…invalid peer certificate: UnknownIssuer".
    if (/tcp connect error|Connection refused|dns error|invalid peer certificate/i.test(x.message)) return true
    if (x instanceof AggregateError && x.errors.some(neverConnected)) return true
  }
  return false
}

/** workerd (Cloudflare Workers, `wrangler dev`) says so in `navigator.userAgent`. */
function onWorkerd(): boolean {
  return (globalThis as { navigator?: { userAgent?: unknown } }).navigator?.userAgent === 'Cloudflare-Workers'
}

/** The caller's signal joined with a timeout, cleared (so no timer outlives the answer) once it is in. */
class Deadline {
  readonly #controller = new AbortController()
  readonly #timer: ReturnType<typeof setTimeout>

  constructor(signal: AbortSignal | undefined, ms: number) {
    this.#timer = setTimeout(() => this.#controller.abort(new DOMException(`no answer within ${ms} ms`, 'TimeoutError')), ms)
    this.signal = signal ? AbortSignal.any([signal, this.#controller.signal]) : this.#controller.signal
  }

  readonly signal: AbortSignal

  clear(): void {
    clearTimeout(this.#timer)
  }
}

function withTimeout(signal: AbortSignal | undefined, ms: number): AbortSignal {
  const timeout = AbortSignal.timeout(ms)
  return signal ? AbortSignal.any([signal, timeout]) : timeout
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason)
    const timer = setTimeout(resolve, ms)
    signal?.addEventListener('abort', () => (clearTimeout(timer), reject(signal.reason)), { once: true })
  })
}

function base64(text: string): string {
  return btoa(String.fromCharCode(...new TextEncoder().encode(text)))
}
