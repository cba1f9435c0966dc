/** `raftlite`, the shell, on Bun: `bun runtimes/bun/shell-main.ts [options]`. */
import { readFileSync } from 'node:fs'
import type { FetchPort } from '../../src/shell/shell-http.ts'
import type { ShellOptions } from '../../src/shell/shell-options.ts'
import { shellMain } from '../node/shell.ts'

// Bun's fetch takes TLS options per request.
async function bunFetch(options: ShellOptions): Promise<FetchPort> {
  if (options.scheme !== 'https' || (!options.caCert && !options.clientCert && !options.clientKey && !options.insecure)) return globalThis.fetch
  if (Boolean(options.clientCert) !== Boolean(options.clientKey)) throw new Error('mutual TLS needs both -d/--client-cert and -k/--client-key')
  const tls = {
    ca: options.caCert ? readFileSync(options.caCert, 'utf8') : undefined,
    cert: options.clientCert ? readFileSync(options.clientCert, 'utf8') : undefined,
    key: options.clientKey ? readFileSync(options.clientKey, 'utf8') : undefined,
    rejectUnauthorized: !options.insecure,
  }
  return (url, init) => fetch(url, { ...init, tls } as RequestInit)
}

process.exit(await shellMain(process.argv.slice(2), bunFetch))
