// The Web Worker engine on Deno and Bun: an endless query runs in the worker while the main
// thread's timers keep firing, and ends with query timeout; the database is the one opened.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, test } from 'vitest'
import { ROOT } from '../../support/raftlited-process.ts'

const check = join(ROOT, 'test/runtimes/deno/engine-worker-check.ts')
const runs = {
  deno: [join(ROOT, 'node_modules/.bin/deno'), ['run', '--allow-read', '--allow-write', '--allow-env', check]],
  bun: [join(ROOT, 'node_modules/.bin/bun'), [check]],
} as const

for (const [runtime, [bin, args]] of Object.entries(runs)) {
  test(`${runtime}: the engine in a Web Worker leaves the event loop running`, () => {
    const dir = mkdtempSync(join(tmpdir(), `engine-${runtime}-`))
    try {
      const out = spawnSync(bin, [...args, join(dir, 'db.sqlite')], { cwd: ROOT, encoding: 'utf8', timeout: 60_000, env: { ...process.env, NO_COLOR: '1' } })
      expect(out.status, out.stderr).toBe(0)
      const report = JSON.parse(out.stdout.trim().split('\n').at(-1)!)
      expect(report.results).toEqual(['query timeout'])
      expect(report.tables).toEqual([['t']])
      expect(report.ticks).toBeGreaterThan(0)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }, 90_000)
}
