/** Runs the `raftlite` shell as a real process (piped, not on a terminal) for tests. */
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { ROOT, type Runtime } from './raftlited-process.ts'

export interface ShellRun {
  code: number | null
  stdout: string
  stderr: string
}

/** How each runtime starts the shell: the package bin on Node, the entry points on Deno and Bun. */
export function shellCommand(runtime: Runtime = 'node'): [string, string[]] {
  switch (runtime) {
    case 'node':
      return [process.execPath, [join(ROOT, 'bin/raftlite.mjs')]]
    case 'deno':
      return [join(ROOT, 'node_modules/.bin/deno'), ['run', '--allow-net', '--allow-read', '--allow-write', '--allow-env', join(ROOT, 'runtimes/deno/shell-main.ts')]]
    case 'bun':
      return [join(ROOT, 'node_modules/.bin/bun'), [join(ROOT, 'runtimes/bun/shell-main.ts')]]
  }
}

/** Runs the shell with `input` on standard input; resolves when it exits (killed after `timeoutMs`). */
export function runShellProcess(args: string[], input = '', options: { env?: Record<string, string | undefined>; runtime?: Runtime; timeoutMs?: number } = {}): Promise<ShellRun> {
  const [cmd, prefix] = shellCommand(options.runtime)
  const env = { ...process.env, RAFTLITE_HOST: undefined, RQLITE_HOST: undefined, ...options.env }
  const child = spawn(cmd, [...prefix, ...args], { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  child.stdin.end(input)
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000)
  return new Promise((resolve) => {
    child.once('exit', (code) => {
      clearTimeout(timer)
      // Let the pipes drain.
      setTimeout(() => resolve({ code, stdout, stderr }), 20)
    })
  })
}

export interface LiveShell {
  write(text: string): void
  /** Waits until standard output (or error) matches; rejects after `timeoutMs`. */
  waitFor(stream: 'stdout' | 'stderr', pattern: RegExp, timeoutMs?: number): Promise<string>
  stdout(): string
  stderr(): string
  /** Closes standard input and waits for the exit status. */
  end(): Promise<number | null>
  /** Sends SIGINT (Ctrl-C off a terminal) and resolves with the signal that ended it, or its exit status. */
  interrupt(): Promise<NodeJS.Signals | number | null>
}

/** A shell with its standard input kept open, fed a line at a time by the test. */
export function startShellProcess(args: string[], options: { env?: Record<string, string | undefined>; runtime?: Runtime } = {}): LiveShell {
  const [cmd, prefix] = shellCommand(options.runtime)
  const child = spawn(cmd, [...prefix, ...args], { cwd: ROOT, env: { ...process.env, RAFTLITE_HOST: undefined, RQLITE_HOST: undefined, ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] })
  const out = { stdout: '', stderr: '' }
  child.stdout.on('data', (d: Buffer) => (out.stdout += d.toString()))
  child.stderr.on('data', (d: Buffer) => (out.stderr += d.toString()))
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  const ended = new Promise<NodeJS.Signals | number | null>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)))
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000)
  return {
    write: (text) => void child.stdin.write(text),
    async waitFor(stream, pattern, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs
      while (Date.now() < deadline) {
        if (pattern.test(out[stream])) return out[stream]
        await new Promise((r) => setTimeout(r, 25))
      }
      throw new Error(`the shell's ${stream} did not match ${pattern} within ${timeoutMs} ms:\n--- stdout\n${out.stdout}\n--- stderr\n${out.stderr}`)
    },
    stdout: () => out.stdout,
    stderr: () => out.stderr,
    async end() {
      child.stdin.end()
      const code = await exited
      clearTimeout(killer)
      return code
    },
    async interrupt() {
      child.kill('SIGINT')
      const how = await ended
      clearTimeout(killer)
      return how
    },
  }
}
