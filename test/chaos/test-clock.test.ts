import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { waitFor } from '../support/cluster-processes.ts'
import { type RaftlitedProcess, startRaftlited, tempDataDir } from '../support/raftlited-process.ts'

const YEAR_MS = 365.25 * 24 * 3600 * 1000

/** The year the node stamps on a write (its batch time is its wall clock). */
async function stampedYear(proc: RaftlitedProcess, id: number): Promise<number> {
  const res = await fetch(`${proc.url}/db/execute`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify([[`INSERT INTO t (id, at) VALUES (${id}, strftime('%Y', 'now'))`]]) })
  expect(await res.text()).toContain('"rows_affected":1')
  const rows = await (await fetch(`${proc.url}/db/query?q=${encodeURIComponent(`SELECT at FROM t WHERE id = ${id}`)}`)).json()
  return Number(rows.results[0].values[0][0])
}

describe('the test-only clock jump (RAFTLITE_TEST_CLOCK_FILE, SIGUSR2)', () => {
  let proc: RaftlitedProcess | undefined
  afterAll(async () => {
    await proc?.stop('SIGKILL')
  })

  it('shifts the wall clock by the file, and again on SIGUSR2', async () => {
    const dir = tempDataDir('raftlite-clock-')
    const clockFile = join(dir, '..', `${dir.split('/').pop()}.clock`)
    writeFileSync(clockFile, String(Math.round(10 * YEAR_MS)))
    proc = await startRaftlited({ env: { RAFTLITE_TEST_CLOCK_FILE: clockFile }, dataDir: dir })
    const thisYear = new Date().getUTCFullYear()
    await fetch(`${proc.url}/db/execute`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify([['CREATE TABLE t (id INTEGER PRIMARY KEY, at TEXT)']]) })
    expect(await stampedYear(proc, 1)).toBeGreaterThanOrEqual(thisYear + 9)

    writeFileSync(clockFile, String(Math.round(-20 * YEAR_MS)))
    proc.child.kill('SIGUSR2')
    let id = 2
    await waitFor('the jump back', async () => (await stampedYear(proc!, id++)) <= thisYear - 19)

    // A file that holds no number leaves the clock unshifted, and says so.
    writeFileSync(clockFile, 'soon')
    proc.child.kill('SIGUSR2')
    await waitFor('the unshifted clock', async () => (await stampedYear(proc!, id++)) === thisYear || (await stampedYear(proc!, id++)) === thisYear)
    expect(proc.stderr()).toContain('does not hold a number of milliseconds')
    expect(proc.child.exitCode).toBe(null)
  })
})
