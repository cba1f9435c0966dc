/** The shell's Node adapters put together; the Deno and Bun entry points reuse them with their own TLS fetch. */
import type { FetchPort } from '../../src/shell/shell-http.ts'
import type { ShellOptions } from '../../src/shell/shell-options.ts'
import { runShell } from '../../src/shell/run-shell.ts'
import { nodeShellIo, stdinLines } from './shell-io.ts'
import { runTerminal } from './shell-terminal.ts'

export function shellMain(argv: string[], makeFetch: (options: ShellOptions) => Promise<FetchPort>): Promise<number> {
  const env = process.env
  return runShell(argv, {
    io: nodeShellIo(),
    env,
    makeFetch,
    lines: stdinLines,
    interactive: process.stdin.isTTY && process.stdout.isTTY ? (session) => runTerminal(session, env) : undefined,
  })
}
