/**
 * Requests with TLS settings web-standard `fetch` cannot take: a private CA, a client certificate,
 * skipping verification (the CDC webhook's `tls`). Runtime adapters provide it.
 */
export interface TlsFetchOptions {
  /** PEM texts. */
  ca?: string
  cert?: string
  key?: string
  insecureSkipVerify: boolean
  /** The name to verify the server's certificate against, when not the URL's host. */
  serverName?: string
}

/** A `fetch` whose HTTPS requests use `options`. */
export type TlsFetch = (options: TlsFetchOptions) => typeof fetch
