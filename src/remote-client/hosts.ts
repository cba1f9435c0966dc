/**
 * The client's view of the cluster: the hosts it was given, and which one it believes leads.
 * Only configured hosts are ever contacted: a leader address advertised by a server (untrusted
 * input) is used only to pick among them, so credentials never go to an address the caller did
 * not name.
 */
export class Hosts {
  readonly all: readonly string[]
  #preferred = 0

  constructor(hosts: string | readonly string[]) {
    const list = (typeof hosts === 'string' ? [hosts] : [...hosts]).map(normalizeHost)
    if (list.length === 0) throw new TypeError('the remote client needs at least one host')
    this.all = [...new Set(list)]
  }

  /** The hosts in the order to try them: the believed leader first, then the rest in turn. */
  order(): string[] {
    const n = this.all.length
    return Array.from({ length: n }, (_, i) => this.all[(this.#preferred + i) % n])
  }

  /** Remembers `host` as the one to try first next time. */
  prefer(host: string): void {
    const i = this.all.indexOf(host)
    if (i >= 0) this.#preferred = i
  }

  /** After a failure on `host`: if it was the one to try first, try the next one first instead. */
  avoid(host: string): void {
    if (this.all[this.#preferred] === host) this.#preferred = (this.#preferred + 1) % this.all.length
  }

  /** The configured host an advertised API address names, if any. */
  match(apiAddr: string): string | undefined {
    try {
      const wanted = normalizeHost(apiAddr)
      return this.all.find((h) => h === wanted)
    } catch {
      return undefined
    }
  }
}

/** `http://127.0.0.1:4001/` → `http://127.0.0.1:4001`; a bare `host:port` gets `http://`. */
export function normalizeHost(host: string): string {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(host) ? host : `http://${host}`
  let url: URL
  try {
    url = new URL(withScheme)
  } catch {
    throw new TypeError(`not a host URL: ${JSON.stringify(host)}`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`not an http(s) host: ${JSON.stringify(host)}`)
  if (url.username || url.password) throw new TypeError(`put credentials in the auth option, not in the host URL: ${url.host}`)
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`
}
