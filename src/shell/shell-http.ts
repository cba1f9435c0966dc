/**
 * The shell's HTTP client: one current host, the alternatives to fail over to when it cannot be
 * reached, rqlite's 301 leader redirects followed by hand, basic auth and the HTTP timeout.
 * Requests go through a fetch port, so a runtime can add TLS options (CA, client certificate).
 */

export type FetchPort = (url: string, init: RequestInit) => Promise<Response>

export interface ShellHttpOptions {
  scheme: 'http' | 'https'
  /** `host:port` of the first host, then the alternatives. */
  hosts: string[]
  prefix: string
  credentials?: string
  timeoutMs: number
  fetch: FetchPort
}

export interface ShellRequest {
  method?: string
  /** Relative to the prefix, without a leading slash: `db/request`. */
  path: string
  query?: Record<string, string | undefined>
  /** Called again for each attempt, so a body can be sent to another host after a failure. */
  body?: () => BodyInit
  headers?: Record<string, string>
  /** Cancels the request (Ctrl-C). */
  signal?: AbortSignal
  /** No timeout: streams followed until cancelled, uploads of large files. */
  noTimeout?: boolean
}

/** The request was cancelled by the user. */
export class CancelledError extends Error {
  override name = 'CancelledError'
  constructor() {
    super('cancelled')
  }
}

export class ConnectionError extends Error {
  override name = 'ConnectionError'
}

export class UnauthorizedError extends Error {
  override name = 'UnauthorizedError'
}

export class TimeoutError extends Error {
  override name = 'TimeoutError'
}

const MAX_REDIRECTS = 21

export class ShellHttp {
  private current = 0
  /** Set when a request had to move to another host; the shell reports it and updates its prompt. */
  onHostChange?: (host: string) => void

  constructor(private readonly options: ShellHttpOptions) {}

  get host(): string {
    return this.options.hosts[this.current]
  }

  get baseUrl(): string {
    return `${this.options.scheme}://${this.host}${this.options.prefix}`
  }

  /** Sends the request to the current host, failing over to the others in turn when it is unreachable. */
  async send(req: ShellRequest): Promise<Response> {
    const hosts = this.options.hosts
    const failures: string[] = []
    for (let attempt = 0; attempt < hosts.length; attempt++) {
      const index = (this.current + attempt) % hosts.length
      try {
        const res = await this.sendTo(hosts[index], req)
        if (index !== this.current) {
          this.current = index
          this.onHostChange?.(hosts[index])
        }
        if (res.status === 401) {
          await res.body?.cancel()
          throw new UnauthorizedError(this.options.credentials === undefined ? 'unauthorized: this node needs credentials (-u user:password)' : 'unauthorized: the node refused the credentials given with -u, or they lack the permission')
        }
        return res
      } catch (e) {
        if (e instanceof CancelledError || req.signal?.aborted) throw new CancelledError()
        // The host may have received the request: sending it elsewhere could apply a write twice.
        if (e instanceof TimeoutError || e instanceof UnauthorizedError) throw e
        failures.push(`${hosts[index]}: ${describe(e)}`)
      }
    }
    if (hosts.length === 1) throw new ConnectionError(`cannot reach ${failures[0]}`)
    throw new ConnectionError(`cannot reach any host (${failures.join('; ')})`)
  }

  /** GETs an absolute URL (another node's, from /nodes) with the same credentials and timeout. */
  fetchUrl(url: string, signal?: AbortSignal): Promise<Response> {
    const timeout = AbortSignal.timeout(this.options.timeoutMs)
    return this.options.fetch(url, { headers: this.authHeaders(), signal: signal ? AbortSignal.any([signal, timeout]) : timeout })
  }

  private authHeaders(): Record<string, string> {
    return this.options.credentials === undefined ? {} : { Authorization: `Basic ${base64(this.options.credentials)}` }
  }

  private async sendTo(host: string, req: ShellRequest): Promise<Response> {
    let url = this.url(host, req)
    const headers: Record<string, string> = { ...req.headers, ...this.authHeaders() }
    const signals: AbortSignal[] = []
    if (req.signal) signals.push(req.signal)
    if (!req.noTimeout) signals.push(AbortSignal.timeout(this.options.timeoutMs))
    const signal = signals.length === 1 ? signals[0] : AbortSignal.any(signals)
    for (let redirects = 0; ; redirects++) {
      let res: Response
      try {
        res = await this.options.fetch(url, { method: req.method ?? 'GET', headers, body: req.body?.(), signal, redirect: 'manual', ...duplex(req.body) })
      } catch (e) {
        if (req.signal?.aborted) throw new CancelledError()
        if (signal.aborted) throw new TimeoutError(`no answer within ${this.options.timeoutMs / 1000}s (-t/--http-timeout)`)
        throw e
      }
      if (res.status !== 301 && res.status !== 302 && res.status !== 307 && res.status !== 308) return res
      const location = res.headers.get('Location')
      await res.body?.cancel()
      if (!location) return res
      if (redirects >= MAX_REDIRECTS) throw new Error('maximum leader redirect limit exceeded')
      url = new URL(location, url).toString()
    }
  }

  private url(host: string, req: ShellRequest): string {
    const url = new URL(`${this.options.scheme}://${host}${this.options.prefix}${req.path}`)
    // rqlite's flags are presence-only (`?timings`), so an empty value is sent as a bare key.
    const parts: string[] = []
    for (const [key, value] of Object.entries(req.query ?? {})) {
      if (value === undefined) continue
      parts.push(value === '' ? encodeURIComponent(key) : `${encodeURIComponent(key)}=${encodeURIComponent(value)}`)
    }
    if (parts.length > 0) url.search = parts.join('&')
    return url.toString()
  }
}

// A streamed request body needs `duplex: 'half'` in Node's and Deno's fetch.
function duplex(body: ShellRequest['body']): Record<string, string> {
  return body ? { duplex: 'half' } : {}
}

function base64(text: string): string {
  let binary = ''
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte)
  return btoa(binary)
}

function describe(e: unknown): string {
  if (!(e instanceof Error)) return String(e)
  // fetch hides the reason (ECONNREFUSED, ENOTFOUND) in `cause`.
  const cause = (e as { cause?: unknown }).cause
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code
    return typeof code === 'string' ? `${code} (${cause.message})` : cause.message
  }
  return e.message
}
