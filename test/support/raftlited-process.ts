/** Starts real `raftlited` processes on loopback for end-to-end tests. */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { freePort } from './free-port.ts'
import { type HttpsOptions, httpsRequest } from './https-client.ts'
import { afterAll } from 'vitest'

// A safety net: whatever a test file started is killed when the file ends, even if a failing
// test lost track of it (e.g. one restart of several in a Promise.all rejected), and the data
// directories it made are removed. The bench imports this module too, outside vitest: there
// the processes and directories are its own to clean up.
const started = new Set<ChildProcess>()
const madeDirs = new Set<string>()
if (process.env.VITEST) {
  afterAll(() => {
    for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    started.clear()
    for (const dir of madeDirs) rmSync(dir, { recursive: true, force: true })
    madeDirs.clear()
  })
}

export const ROOT = resolve(import.meta.dirname, '../..')

export type Runtime = 'node' | 'deno' | 'bun'

export interface StartOptions {
  dataDir?: string
  args?: string[]
  runtime?: Runtime
  /** The Node.js binary for runtime 'node' (default: the one running the tests), e.g. Node 22 or 24. */
  nodeBinary?: string
  httpPort?: number
  raftPort?: number
  /** The API serves HTTPS (-http-cert): readiness is probed with this CA (and client certificate). */
  https?: HttpsOptions
  /** Another command instead of this checkout's (e.g. an installed package's bin), run in `cwd`. */
  command?: { cmd: string; args: string[]; cwd: string; env?: Record<string, string> }
  /** The address both ports listen on (default 127.0.0.1), e.g. a network namespace's (test/chaos). */
  host?: string
  /** A command the process runs under, e.g. `ip netns exec <ns>` (test/chaos). */
  wrapper?: string[]
  /** Extra environment variables. */
  env?: Record<string, string>
  /** How long to wait for /readyz (default 30 s). */
  readyTimeoutMs?: number
}

export interface RaftlitedProcess {
  url: string
  httpAddr: string
  raftAddr: string
  dataDir: string
  args: string[]
  runtime: Runtime
  child: ChildProcess
  /** How to reach its HTTPS API, when it serves one. */
  https?: HttpsOptions
  /** How it was launched besides its addresses, reused by restartRaftlited. */
  launch?: Pick<StartOptions, 'wrapper' | 'env' | 'host' | 'readyTimeoutMs'>
  /** Everything the process wrote to stderr so far. */
  stderr(): string
  /** Sends a signal and waits for the process to exit; resolves with its exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>
}

/** Starts the same node again: same data directory, addresses and arguments. */
export function restartRaftlited(proc: RaftlitedProcess, options: Omit<StartOptions, 'dataDir' | 'httpPort' | 'raftPort'> = {}): Promise<RaftlitedProcess> {
  return startRaftlited({
    https: proc.https,
    ...proc.launch,
    args: proc.args,
    runtime: proc.runtime,
    ...options,
    dataDir: proc.dataDir,
    httpPort: Number(proc.httpAddr.split(':')[1]),
    raftPort: Number(proc.raftAddr.split(':')[1]),
  })
}

export function tempDataDir(prefix = 'raftlite-e2e-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  if (process.env.VITEST) madeDirs.add(dir)
  return dir
}

/** What a Deno node needs (also in deno.json's tasks): no -A, no --allow-run/--allow-ffi/--allow-sys. */
export const DENO_PERMISSIONS = ['--allow-read', '--allow-write', '--allow-net', '--allow-env']

/**
 * Deno's V8 gets the same heap caps as Node's (see NODE_HEAP_FLAGS): without them a Deno node
 * peaked at 209 MiB resident under load, with them at 126 MiB, at the same speed.
 */
export const DENO_V8_FLAGS = '--v8-flags=--max-semi-space-size=4,--max-old-space-size=1024'

/** How a Deno node is started (deno.json's task, `npm run start:deno`, the README): `deno run …`. */
export const DENO_RUN = ['run', ...DENO_PERMISSIONS, DENO_V8_FLAGS]

/** The V8 flags of bin/raftlited.mjs's first line, which `node bin/raftlited.mjs` skips. */
export const NODE_HEAP_FLAGS = ['--max-semi-space-size=4', '--max-old-space-size=1024']

/**
 * Also on that line: glibc's per-thread malloc arenas keep freed memory resident (10-15 MiB on
 * a leader); two suffice for one JS thread and libuv's pool. An explicit value wins here.
 */
export const MEMORY_ENV = { MALLOC_ARENA_MAX: '2' }

/** Node flags for the nodes tests and benchmarks start; RAFTLITE_NODE_FLAGS replaces them (experiments). */
const nodeFlags = () => (process.env.RAFTLITE_NODE_FLAGS !== undefined ? process.env.RAFTLITE_NODE_FLAGS.split(/\s+/).filter(Boolean) : NODE_HEAP_FLAGS)

/** RAFTLITE_TEST_ENGINE=thread runs the nodes' SQLite on the event loop (`-db-engine`); the default is the worker. */
const engineArgs = process.env.RAFTLITE_TEST_ENGINE === 'thread' ? ['-db-engine', 'thread'] : []

function command(runtime: Runtime, nodeBinary = process.execPath): [string, string[]] {
  // RAFTLITE_TEST_ROOT: another built checkout's daemon (a baseline, in benchmarks' A/B runs).
  const root = process.env.RAFTLITE_TEST_ROOT ?? ROOT
  switch (runtime) {
    case 'node':
      return [nodeBinary, [...nodeFlags(), join(root, 'bin/raftlited.mjs')]]
    case 'deno':
      return [join(ROOT, 'node_modules/.bin/deno'), [...DENO_RUN, join(root, 'runtimes/deno/main.ts')]]
    case 'bun':
      return [join(ROOT, 'node_modules/.bin/bun'), [join(root, 'runtimes/bun/main.ts')]]
  }
}

export async function startRaftlited(options: StartOptions = {}): Promise<RaftlitedProcess> {
  // freePort never hands out a port twice, so the two differ.
  const httpPort = options.httpPort ?? (await freePort())
  const raftPort = options.raftPort ?? (await freePort())
  const dataDir = options.dataDir ?? tempDataDir()
  const host = options.host ?? '127.0.0.1'
  const httpAddr = `${host}:${httpPort}`
  const raftAddr = `${host}:${raftPort}`
  const [program, prefix] = options.command ? [options.command.cmd, options.command.args] : command(options.runtime ?? 'node', options.nodeBinary)
  const [cmd, ...cmdArgs] = [...(options.wrapper ?? []), program, ...prefix]
  const child = spawn(cmd!, [...cmdArgs, '-http-addr', httpAddr, '-raft-addr', raftAddr, ...engineArgs, ...(options.args ?? []), dataDir], {
    cwd: options.command?.cwd ?? ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...MEMORY_ENV, ...process.env, ...options.command?.env, ...options.env },
  })
  started.add(child)
  child.once('exit', () => started.delete(child))
  let stderr = ''
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
  child.stdout!.on('data', (d: Buffer) => (stderr += d.toString()))
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)))
  const proc: RaftlitedProcess = {
    url: `${options.https ? 'https' : 'http'}://${httpAddr}`,
    httpAddr,
    raftAddr,
    dataDir,
    args: options.args ?? [],
    runtime: options.runtime ?? 'node',
    https: options.https,
    launch: { wrapper: options.wrapper, env: options.env, host: options.host, readyTimeoutMs: options.readyTimeoutMs },
    child,
    stderr: () => stderr,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode
      child.kill(signal)
      return exited
    },
  }
  await waitReady(proc, exited, options.https, options.readyTimeoutMs)
  return proc
}

async function waitReady(proc: RaftlitedProcess, exited: Promise<number | null>, https?: HttpsOptions, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let gone = false
  void exited.then(() => (gone = true))
  while (Date.now() < deadline) {
    if (gone) throw new Error(`raftlited exited before becoming ready:\n${proc.stderr()}`)
    try {
      const status = https ? (await httpsRequest(`${proc.url}/readyz`, https)).status : (await fetch(`${proc.url}/readyz`)).status
      if (status === 200) return
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50))
  }
  await proc.stop('SIGKILL')
  throw new Error(`raftlited did not become ready within ${timeoutMs / 1000} s:\n${proc.stderr()}`)
}
