/** Starts and reads test/support/cdc-receiver.mjs: a real webhook receiver in its own process. */
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll } from 'vitest'
import { freePort } from './free-port.ts'
import { ROOT, tempDataDir } from './raftlited-process.ts'

const running = new Set<ChildProcess>()
afterAll(() => {
  for (const child of running) child.kill('SIGKILL')
})

export interface Received {
  contentType: string
  body: string
}

export class CdcReceiver {
  #child: ChildProcess | null = null

  private constructor(readonly port: number, readonly file: string) {}

  static async start(): Promise<CdcReceiver> {
    const receiver = new CdcReceiver(await freePort(), join(tempDataDir('cdc-receiver-'), 'received.jsonl'))
    await receiver.up()
    return receiver
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/hook`
  }

  /** (Re)starts the process on the same port and file. */
  async up(): Promise<void> {
    const child = spawn(process.execPath, [join(ROOT, 'test/support/cdc-receiver.mjs'), String(this.port), this.file], { stdio: ['ignore', 'pipe', 'inherit'] })
    running.add(child)
    child.once('exit', () => running.delete(child))
    await new Promise<void>((resolve, reject) => {
      child.stdout!.once('data', () => resolve())
      child.once('exit', (code) => reject(new Error(`receiver exited with ${code}`)))
    })
    this.#child = child
  }

  /** Kills the process: the endpoint refuses connections until `up()`. */
  async down(): Promise<void> {
    const child = this.#child
    if (!child || child.exitCode !== null) return
    const exited = new Promise((r) => child.once('exit', r))
    child.kill('SIGKILL')
    await exited
    this.#child = null
  }

  async setStatus(status: number): Promise<void> {
    await fetch(`http://127.0.0.1:${this.port}/mode?status=${status}`, { method: 'POST' })
  }

  received(): Received[] {
    if (!existsSync(this.file)) return []
    return readFileSync(this.file, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as Received)
  }

  /** Every payload group received, in arrival order. */
  groups(): { index: number; commit_timestamp: number; events: Record<string, unknown>[] }[] {
    return this.received().flatMap((r) => (JSON.parse(r.body) as { payload: never[] }).payload)
  }
}
