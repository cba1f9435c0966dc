// The precompiled trampolines the edge ships (runtimes/workers/trampolines.gen.ts) must be the
// set this sqlite-wasm and this code need: a missing one fails only in workerd, at run time.
import { spawnSync } from 'node:child_process'
import { expect, test } from 'vitest'
import { ROOT } from '../../support/raftlited-process.ts'

test('the committed trampolines match what the generator records now', { timeout: 60_000 }, () => {
  // Not niced: beside CPU-bound test files at normal priority, nice 19 starved it past 60 s.
  const run = spawnSync(process.execPath, ['node_modules/tsx/dist/cli.mjs', 'scripts/gen-edge-trampolines.ts', '--check'], { cwd: ROOT, encoding: 'utf8' })
  expect(run.stderr).not.toContain('stale')
  expect(run.status).toBe(0)
  expect(run.stdout).toMatch(/^\d+ trampolines, as committed/m)
})
