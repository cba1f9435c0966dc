// Issue 11 item 5: SQLite's settings as rqlite has them, reported in /status the way rqlite does
// (`store.sqlite3.pragmas`, `store.db_conf`), against a real raftlited process.
import { afterEach, expect, test } from 'vitest'
import { type RaftlitedProcess, startRaftlited } from '../support/raftlited-process.ts'

let procs: RaftlitedProcess[] = []
afterEach(async () => {
  for (const p of procs) await p.stop('SIGKILL')
  procs = []
})

const status = async (p: RaftlitedProcess, key: string) => JSON.parse(await (await fetch(`${p.url}/status?key=${key}`)).text())

test('the pragmas of both connections are rqlite\'s', async () => {
  const node = await startRaftlited({})
  procs.push(node)
  expect(await status(node, 'store.sqlite3.pragmas')).toEqual({
    ro: { busy_timeout: '5000', foreign_keys: '0', journal_mode: 'wal', synchronous: '0', wal_autocheckpoint: '1000' },
    rw: { busy_timeout: '5000', foreign_keys: '0', journal_mode: 'wal', synchronous: '0', wal_autocheckpoint: '0' },
  })
  expect(await status(node, 'store.db_conf')).toEqual({ extensions: [], fk_constraints: false })
}, 30_000)

test('-fk shows on both connections and in db_conf', async () => {
  const node = await startRaftlited({ args: ['-fk'] })
  procs.push(node)
  const pragmas = await status(node, 'store.sqlite3.pragmas')
  expect([pragmas.ro.foreign_keys, pragmas.rw.foreign_keys]).toEqual(['1', '1'])
  expect((await status(node, 'store.db_conf')).fk_constraints).toBe(true)
}, 30_000)
