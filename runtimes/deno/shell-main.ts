/** `raftlite`, the shell, on Deno: `deno run --allow-net --allow-read --allow-write --allow-env runtimes/deno/shell-main.ts [options]`. */
import type { FetchPort } from '../../src/shell/shell-http.ts'
import type { ShellOptions } from '../../src/shell/shell-options.ts'
import { shellMain } from '../node/shell.ts'

// Deno's fetch takes a CA and a client certificate through an HTTP client of its own.
async function denoFetch(options: ShellOptions): Promise<FetchPort> {
  if (options.scheme !== 'https' || (!options.caCert && !options.clientCert && !options.clientKey && !options.insecure)) return globalThis.fetch
  if (options.insecure) throw new Error('-i/--insecure: on Deno, run with --unsafely-ignore-certificate-errors instead')
  if (Boolean(options.clientCert) !== Boolean(options.clientKey)) throw new Error('mutual TLS needs both -d/--client-cert and -k/--client-key')
  const client = Deno.createHttpClient({
    caCerts: options.caCert ? [Deno.readTextFileSync(options.caCert)] : undefined,
    cert: options.clientCert ? Deno.readTextFileSync(options.clientCert) : undefined,
    key: options.clientKey ? Deno.readTextFileSync(options.clientKey) : undefined,
  })
  return (url, init) => fetch(url, { ...init, client } as RequestInit)
}

Deno.exit(await shellMain(Deno.args, denoFetch))
