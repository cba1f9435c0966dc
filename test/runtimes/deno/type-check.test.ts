// tsc checks runtimes/deno against the small runtimes/deno/deno.d.ts; this checks the same files
// against Deno's real types (deno.json's compilerOptions), so the two cannot drift apart. The
// Deno example is checked only here (tsc excludes it: it uses more of Deno than raftlite does).
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { expect, test } from 'vitest'
import { ROOT } from '../../support/raftlited-process.ts'

test('deno check passes on the Deno entry points and the Deno example', () => {
  const deno = join(ROOT, 'node_modules/.bin/deno')
  const out = spawnSync(deno, ['check', 'runtimes/deno/main.ts', 'runtimes/deno/mod.ts', 'runtimes/deno/shell-main.ts', 'examples/deno/app.ts'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000, env: { ...process.env, NO_COLOR: '1' } })
  expect(out.status, out.stderr).toBe(0)
})
