/**
 * `raftlite [options]`: parses the command line, connects, and runs `-e` commands, piped input,
 * or (on a terminal) the interactive loop the runtime provides. Resolves with the exit status:
 * 0, 1 when anything failed, 2 for a bad command line.
 */
import { RAFTLITE_VERSION } from '../version.ts'
import { type ParsedCommandLine, parseShellCommandLine, type ShellOptions, shellUsage, ShellUsageError } from './shell-options.ts'
import { type FetchPort, ShellHttp } from './shell-http.ts'
import type { ShellIo } from './shell-io.ts'
import { ShellSession } from './shell-session.ts'

export interface ShellRuntime {
  io: ShellIo
  env: Readonly<Record<string, string | undefined>>
  /** A fetch that applies the TLS options (CA, client certificate, -i). */
  makeFetch(options: ShellOptions): Promise<FetchPort>
  /** Standard input, line by line (piped use). */
  lines(): AsyncIterable<string>
  /** The interactive loop, when standard input is a terminal. */
  interactive?: (session: ShellSession, options: ShellOptions) => Promise<void>
}

export async function runShell(argv: readonly string[], runtime: ShellRuntime): Promise<number> {
  const { io } = runtime
  let parsed: ParsedCommandLine
  try {
    parsed = parseShellCommandLine(argv, runtime.env)
  } catch (e) {
    if (!(e instanceof ShellUsageError)) throw e
    io.err(`Error: ${e.message}\n\n${shellUsage()}\n`)
    return 2
  }
  if (parsed.kind === 'help') {
    io.out(`${shellUsage()}\n`)
    return 0
  }
  if (parsed.kind === 'version') {
    io.out(`raftlite ${RAFTLITE_VERSION}\n`)
    return 0
  }
  const options = parsed.options
  let fetch: FetchPort
  try {
    fetch = await runtime.makeFetch(options)
  } catch (e) {
    io.err(`Error: ${(e as Error).message}\n`)
    return 2
  }
  const http = new ShellHttp({
    scheme: options.scheme,
    hosts: [hostPort(options.host, options.port), ...options.alternatives],
    prefix: options.prefix,
    credentials: options.credentials,
    timeoutMs: options.httpTimeoutMs,
    fetch,
  })
  http.onHostChange = (host) => io.err(`${options.scheme}://${host} answered instead: now connected to it\n`)
  const session = new ShellSession(http, io)

  if (options.execute.length > 0) {
    for (const text of options.execute) {
      if (session.exitRequested) break
      await session.runText(text)
    }
  } else if (runtime.interactive) {
    io.out('Welcome to the raftlite shell.\nEnter ".help" for usage hints.\n')
    await connect(session)
    await runtime.interactive(session, options)
    await session.finish(false)
    io.out('bye~\n')
  } else {
    for await (const line of runtime.lines()) {
      await session.feed(line)
      if (session.exitRequested) break
    }
  }
  await session.finish()
  return session.failed ? 1 : 0
}

/** Says which node answered and its version, as rqlite's shell does on start. */
async function connect(session: ShellSession): Promise<void> {
  try {
    const res = await session.http.send({ path: 'status' })
    await res.body?.cancel()
    const version = res.headers.get('X-RQLITE-VERSION') ?? 'unknown'
    session.io.out(`Connected to ${session.http.baseUrl.replace(/\/$/, '')} running version ${version}\n`)
  } catch (e) {
    session.io.err(`Error: ${(e as Error).message}\n`)
  }
}

function hostPort(host: string, port: number): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]:${port}` : `${host}:${port}`
}
