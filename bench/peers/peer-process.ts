/** A peer server process (etcd, dqlite-demo, a trivial HTTP server) on loopback, always stopped. */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { sleep } from '../workload.ts'

export interface PeerProcess {
  child: ChildProcess
  /** The last 16 KiB the process printed, for error messages. */
  output(): string
  /** SIGTERM, then SIGKILL after 5 s; resolves once the process is gone. */
  stop(): Promise<void>
}

export function spawnPeer(cmd: string, args: string[]): PeerProcess {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  const keep = (d: Buffer) => (out = (out + d.toString()).slice(-16_384))
  child.stdout!.on('data', keep)
  child.stderr!.on('data', keep)
  child.on('error', (e) => keep(Buffer.from(String(e))))
  const exited = new Promise<void>((done) => child.once('exit', () => done()))
  return {
    child,
    output: () => out,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return
      child.kill('SIGTERM')
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000)
      await exited
      clearTimeout(killer)
    },
  }
}

/** Polls `probe` until it is true; throws with the processes' output after `timeoutMs`. */
export async function waitUntil(what: string, probe: () => Promise<boolean>, procs: PeerProcess[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await probe().catch(() => false)) return
    if (procs.some((p) => p.child.exitCode !== null)) break
    await sleep(100)
  }
  throw new Error(`${what} did not become ready:\n${procs.map((p) => p.output()).join('\n---\n')}`)
}

export function onPath(binary: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${binary}`], { stdio: 'ignore' }).status === 0
}
