/**
 * Starts the edge Worker (`wrangler.toml` at the root) under `wrangler dev` on loopback, with its
 * Durable Object storage persisted in a directory, for process-level tests and the edge bench.
 * wrangler runs workerd as a child: the whole process group is killed at stop.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { afterAll } from 'vitest'
import { freePort } from './free-port.ts'
import { ROOT, tempDataDir } from './raftlited-process.ts'

const started = new Set<ChildProcess>()
if (process.env.VITEST) {
  afterAll(() => {
    for (const child of started) killGroup(child)
    started.clear()
  })
}

export interface WranglerDevOptions {
  /** Another Worker's wrangler config file (`--config`), relative to the root; `wrangler.toml` by default. */
  config?: string
  /** Where the Durable Object's storage is kept (`--persist-to`); a new temp dir by default. */
  persistTo?: string
  port?: number
  /** Worker variables (`--var NAME:value`), e.g. RAFTLITE_FLAGS. */
  vars?: Record<string, string>
  /** Bound on the start (wrangler bundles, then workerd starts): 60 s by default. */
  startTimeoutMs?: number
}

export interface WranglerDev {
  url: string
  port: number
  persistTo: string
  options: WranglerDevOptions
  child: ChildProcess
  output(): string
  stop(): Promise<void>
}

export async function startWranglerDev(options: WranglerDevOptions = {}): Promise<WranglerDev> {
  const port = options.port ?? await freePort()
  const inspectorPort = await freePort()
  const persistTo = options.persistTo ?? tempDataDir('raftlite-edge-')
  const vars = Object.entries(options.vars ?? {}).flatMap(([name, value]) => ['--var', `${name}:${value}`])
  const wrangler = ['node_modules/wrangler/bin/wrangler.js', 'dev', '--ip', '127.0.0.1', '--port', String(port),
    '--inspector-port', String(inspectorPort), '--persist-to', persistTo, '--show-interactive-dev-session=false', ...vars,
    ...(options.config ? ['--config', options.config] : [])]
  // Not niced: at nice 19 beside the suite's CPU-bound files, a child can starve for a minute.
  const child = spawn(process.execPath, wrangler, {
    cwd: ROOT,
    detached: true, // its own process group, so workerd goes with it
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true', NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  started.add(child)
  let output = ''
  child.stdout!.on('data', (b: Buffer) => { output += b.toString() })
  child.stderr!.on('data', (b: Buffer) => { output += b.toString() })
  const url = `http://127.0.0.1:${port}`
  const stop = async () => {
    killGroup(child)
    started.delete(child)
    if (child.exitCode === null && child.signalCode === null) await new Promise((r) => child.once('exit', r))
  }
  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000)
  while (!/Ready on http/.test(output)) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited (${child.exitCode}):\n${output}`)
    if (Date.now() > deadline) {
      await stop()
      throw new Error(`wrangler dev not ready within ${options.startTimeoutMs ?? 60_000} ms:\n${output}`)
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  return { url, port, persistTo, options, child, output: () => output, stop }
}

/** The same Worker again over the same persisted storage (and port). */
export function restartWranglerDev(dev: WranglerDev): Promise<WranglerDev> {
  return startWranglerDev({ ...dev.options, persistTo: dev.persistTo, port: dev.port })
}

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return
  try {
    process.kill(-child.pid, 'SIGKILL')
  } catch {
    // already gone
  }
}
