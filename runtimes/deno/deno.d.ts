/**
 * The few `Deno` APIs the Deno adapters use, for `tsc` (which has no Deno types; no @types
 * package on purpose). `deno check` ignores this file (nothing imports it) and uses Deno's own.
 */
declare namespace Deno {
  interface NetAddr {
    transport: 'tcp' | 'udp'
    hostname: string
    port: number
  }
  interface HttpServer {
    readonly addr: NetAddr
    readonly finished: Promise<void>
    shutdown(): Promise<void>
  }
  interface ServeOptions {
    hostname?: string
    port?: number
    onListen?: (addr: NetAddr) => void
    onError?: (error: unknown) => Response | Promise<Response>
    cert?: string
    key?: string
  }
  type Signal = 'SIGINT' | 'SIGTERM'
  const args: string[]
  const env: { get(name: string): string | undefined }
  const pid: number
  const version: { deno: string; v8: string; typescript: string }
  function serve(options: ServeOptions, handler: (request: Request) => Response | Promise<Response>): HttpServer
  function addSignalListener(signal: Signal, handler: () => void): void
  function removeSignalListener(signal: Signal, handler: () => void): void
  function hostname(): string
  function exit(code?: number): never
  interface HttpClient {
    close(): void
  }
  function createHttpClient(options: { caCerts?: string[]; cert?: string; key?: string }): HttpClient
  function readTextFileSync(path: string): string
  const stderr: { isTerminal(): boolean }
  const env: { get(name: string): string | undefined }
}
