// Backups (gzip via CompressionStream, SQL dumps), loads and boot on Deno and Bun, as on Node.
import { expect, test } from 'vitest'
import { gunzipSync } from 'node:zlib'
import { startRaftlited } from '../support/raftlited-process.ts'
test.each(['deno', 'bun'] as const)('backup, load and boot on %s', async (runtime) => {
  const p = await startRaftlited({ runtime })
  try {
    await fetch(`${p.url}/db/execute`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(['CREATE TABLE t (x)', "INSERT INTO t VALUES ('a')"]) })
    const bin = new Uint8Array(await (await fetch(`${p.url}/db/backup?compress`)).arrayBuffer())
    const raw = gunzipSync(bin)
    expect(raw.subarray(0, 15).toString()).toBe('SQLite format 3')
    const sql = await (await fetch(`${p.url}/db/backup?fmt=sql`)).text()
    expect(sql).toContain("INSERT INTO \"t\" VALUES('a');")
    const l = await fetch(`${p.url}/db/load`, { method: 'POST', body: raw })
    expect(l.status, await l.text()).toBe(200)
    const b = await fetch(`${p.url}/boot`, { method: 'POST', body: raw })
    expect(b.status, await b.text()).toBe(200)
    const q = await (await fetch(`${p.url}/db/query?q=SELECT%20*%20FROM%20t`)).text()
    expect(q).toContain('"a"')
  } finally {
    await p.stop('SIGKILL')
  }
}, 60000)
