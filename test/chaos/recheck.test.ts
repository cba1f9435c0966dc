import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { Op } from './history.ts'
import { recheckRun } from './recheck.ts'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

function savedRun(ops: Partial<Op>[], report?: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'recheck-'))
  dirs.push(dir)
  const full = ops.map((o, i): Op => ({ id: i, client: 0, workload: 'register', f: 'read', key: 0, node: 1, start: i * 10, end: i * 10 + 5, outcome: 'ok', ...o }))
  writeFileSync(join(dir, 'history.jsonl'), full.map((o) => `${JSON.stringify(o)}\n`).join(''))
  if (report) writeFileSync(join(dir, 'report.json'), JSON.stringify(report))
  return dir
}

describe('recheck of a saved run', () => {
  it('re-decides the register from the history alone', () => {
    const clean = savedRun([{ f: 'write', value: 1 }, { f: 'write', value: 2, outcome: 'indeterminate' }, { level: 'linearizable', value: 2 }])
    expect(recheckRun(clean).anomalies).toEqual([])
    const stale = savedRun([{ f: 'write', value: 1 }, { f: 'write', value: 2 }, { level: 'linearizable', value: 1 }])
    const { anomalies, text } = recheckRun(stale)
    expect(anomalies.map((a) => a.what)).toEqual(['key 0 is not linearizable'])
    expect(text).toContain('verdict: INVALID')
  })

  it("keeps the live cluster's verdicts from report.json, but not its register verdicts", () => {
    const report = { anomalies: [{ workload: 'register', what: 'key 0: search bound reached' }, { workload: 'set', what: '1 acknowledged inserts lost' }] }
    const dir = savedRun([{ f: 'write', value: 1 }, { level: 'strong', value: 1 }], report)
    expect(recheckRun(dir).anomalies.map((a) => a.what)).toEqual(['1 acknowledged inserts lost'])
  })
})
