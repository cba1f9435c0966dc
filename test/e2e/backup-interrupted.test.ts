// A backup whose image is abandoned half way (a snapshot needs the checkpoint it holds back) must
// reach the client as a broken transfer, never as a shorter file that looks whole. The server
// (@hono/node-server) ends a failed chunked body cleanly, after the text "Error: …", so a binary
// backup sends its length first and any client sees the shortfall (found by the shell's test).
import { afterAll, expect, test } from 'vitest'
import { type RaftlitedProcess, startRaftlited } from '../support/raftlited-process.ts'

let proc: RaftlitedProcess | undefined
afterAll(async () => {
  await proc?.stop('SIGKILL')
})

const json = { 'Content-Type': 'application/json' }

test('a binary backup cut short by a snapshot fails at the client; a whole one has the length it announced', async () => {
  // Snapshots only when asked: one the 16 MiB WAL would trigger could cut the whole backup too.
  proc = await startRaftlited({ args: ['-db-engine', 'worker', '-raft-snap-wal-size', '0'] })
  const url = proc.url
  await fetch(`${url}/db/execute`, { method: 'POST', headers: json, body: '["CREATE TABLE big (id INTEGER PRIMARY KEY, b BLOB)"]' })
  // 16 MiB: more than the socket buffers hold, so the server is still reading the image when the
  // snapshot comes.
  const fill = 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 16) INSERT INTO big(b) SELECT zeroblob(1048576) FROM c'
  const filled = await fetch(`${url}/db/execute`, { method: 'POST', headers: json, body: JSON.stringify([fill]) })
  expect(await filled.text()).toContain('"rows_affected":16')

  const whole = await fetch(`${url}/db/backup`)
  const announced = Number(whole.headers.get('content-length'))
  expect(announced).toBeGreaterThan(16 * 1048576)
  expect((await whole.arrayBuffer()).byteLength).toBe(announced)

  const cut = await fetch(`${url}/db/backup`)
  expect(cut.status).toBe(200)
  const reader = cut.body!.getReader()
  let received = (await reader.read()).value?.length ?? 0
  // The snapshot abandons the image the backup is reading (it holds back the WAL checkpoint).
  expect((await fetch(`${url}/snapshot`, { method: 'POST' })).status).toBe(200)
  const outcome = await (async () => {
    try {
      for (let r = await reader.read(); !r.done; r = await reader.read()) received += r.value.length
      return 'ended'
    } catch (e) {
      return `failed: ${String(e)}`
    }
  })()
  expect(received).toBeLessThan(announced)
  expect(outcome).toMatch(/^failed/)
}, 60_000)
