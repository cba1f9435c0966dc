// The remote client's smoke run (client-smoke.ts) on Node, Deno and Bun against a real 3-node
// raftlite cluster, with a dead host first in the list so every runtime's connection-refused
// error must be recognised as safe to fail over.
import { execFile, spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { startCluster } from '../support/cluster-processes.ts'
import { freePort } from '../support/free-port.ts'
import { DENO_PERMISSIONS, type RaftlitedProcess, ROOT } from '../support/raftlited-process.ts'
import { EXPECTED_SMOKE } from './smoke-sequence.ts'

const run = promisify(execFile)
let procs: RaftlitedProcess[]
let hosts: string[]

beforeAll(async () => {
  procs = await startCluster({ size: 3 })
  hosts = [`http://127.0.0.1:${await freePort()}`, ...procs.map((p) => p.url)]
}, 90_000)

afterAll(async () => {
  await Promise.all((procs ?? []).map((p) => p.stop()))
})

const smoke = join(ROOT, 'test/client/client-smoke.ts')
const commands: Record<string, () => [string, string[]]> = {
  node: () => [process.execPath, ['--import', 'tsx', smoke, ...hosts]],
  deno: () => [join(ROOT, 'node_modules/.bin/deno'), ['run', ...DENO_PERMISSIONS, smoke, ...hosts]],
  bun: () => [join(ROOT, 'node_modules/.bin/bun'), [smoke, ...hosts]],
}

for (const [runtime, command] of Object.entries(commands)) {
  test(`the remote client on ${runtime}`, async () => {
    const [file, args] = command()
    const { stdout } = await run(file, args, { cwd: ROOT, timeout: 60_000 })
    expect(JSON.parse(stdout.trim().split('\n').at(-1)!)).toEqual(EXPECTED_SMOKE)
  }, 90_000)
}

test('deno check passes on the client and the ORM drivers (Deno\'s own types)', () => {
  const out = spawnSync(join(ROOT, 'node_modules/.bin/deno'), ['check', 'src/remote-client/mod.ts', 'src/orm/drizzle.ts', 'src/orm/drizzle-migrator.ts', 'src/orm/kysely.ts'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000, env: { ...process.env, NO_COLOR: '1' } })
  expect(out.status, out.stderr).toBe(0)
}, 150_000)
