/**
 * The few `Bun` APIs the Bun adapters use, for `tsc` (which has no Bun types; no @types
 * package on purpose). Nothing imports this file; Bun does not type-check.
 */
declare namespace Bun {
  interface Server {
    readonly port: number
    readonly hostname: string
    /** Stops listening; with `true`, also closes open connections. */
    stop(closeActiveConnections?: boolean): Promise<void>
  }
  interface TLSOptions {
    cert: string
    key: string
    ca?: string
    requestCert?: boolean
    rejectUnauthorized?: boolean
  }
  interface ServeOptions {
    tls?: TLSOptions
    websocket?: unknown
    hostname?: string
    port?: number
    development?: boolean
    reusePort?: boolean
    fetch(request: Request): Response | Promise<Response>
  }
  const version: string
  function serve(options: ServeOptions): Server
}
