/** Starts an example app as a real process and waits until it listens. */
import { type ChildProcess, spawn } from 'node:child_process'
import { ROOT, tempDataDir } from '../support/raftlited-process.ts'
import { freePort } from '../support/free-port.ts'

export interface RunningExample {
  url: string
  child: ChildProcess
  output(): string
  stop(): Promise<number | null>
}

export async function runExample(command: string, args: string[]): Promise<RunningExample> {
  const port = await freePort()
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), DATA_DIR: tempDataDir('raftlite-example-'), API_KEY: 'test-key' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()))
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()))
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  const example: RunningExample = {
    url: `http://127.0.0.1:${port}`,
    child,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
      return exited
    },
  }
  const deadline = Date.now() + 30_000
  while (!output.includes('listening on')) {
    if (child.exitCode !== null) throw new Error(`example exited early:\n${output}`)
    if (Date.now() > deadline) {
      await example.stop()
      throw new Error(`example did not start within 30 s:\n${output}`)
    }
    await new Promise((r) => setTimeout(r, 50))
  }
  return example
}

/** What every example must do: its own routes on the in-process client, and the guarded mounted API. */
export async function exerciseTodoApp(url: string): Promise<void> {
  const { expect } = await import('vitest')
  const created = await fetch(`${url}/todos`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ title: 'embed a node' }) })
  expect(created.status).toBe(201)
  expect(await created.json()).toEqual({ id: 1, title: 'embed a node', done: false })
  expect((await fetch(`${url}/todos/1/done`, { method: 'POST' })).status).toBe(204)
  expect(await (await fetch(`${url}/todos`)).json()).toEqual([{ id: 1, title: 'embed a node', done: true }])
  expect((await fetch(`${url}/todos`, { method: 'POST', body: '{"title":""}' })).status).toBe(400)
  expect((await fetch(`${url}/raftlite/db/query?q=SELECT%201`)).status).toBe(403)
  const viaApi = await fetch(`${url}/raftlite/db/query?q=SELECT%20title%2C%20done%20FROM%20todos`, { headers: { 'x-api-key': 'test-key' } })
  expect(await viaApi.text()).toBe('{"results":[{"columns":["title","done"],"types":["text","boolean"],"values":[["embed a node",true]]}]}')
}
