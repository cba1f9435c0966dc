// A backup and a restore of a few-MiB database, in a real terminal (tmux) against real raftlited
// nodes, draw a progress bar: bytes, rate, and the total and a bar, since the size is known
// ahead (a binary /db/backup sends its Content-Length).
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { type RaftlitedProcess, startRaftlited, tempDataDir } from '../support/raftlited-process.ts'
import { runShellProcess, shellCommand } from '../support/raftlite-shell.ts'
import { Terminal } from '../support/tmux.ts'

const MIB = 1024 * 1024
const ROWS = 4
let source: RaftlitedProcess
let target: RaftlitedProcess

const connect = (node: RaftlitedProcess) => ['-H', '127.0.0.1', '-p', node.httpAddr.split(':')[1]]

beforeAll(async () => {
  ;[source, target] = await Promise.all([startRaftlited(), startRaftlited()])
  const setup = await runShellProcess(connect(source), [
    'CREATE TABLE big (id INTEGER PRIMARY KEY, b BLOB);',
    ...Array.from({ length: ROWS }, () => `INSERT INTO big(b) VALUES (zeroblob(${MIB}));`),
  ].join('\n'))
  expect(setup.stderr).toBe('')
}, 60_000)

afterAll(async () => {
  await Promise.all([source?.stop(), target?.stop()])
})

const rate = String.raw`\d+(\.\d)? (B|KiB|MiB|GiB)\/s`

test('.backup and .restore of a few-MiB database show a progress bar with bytes and rate', async () => {
  const dir = tempDataDir('raftlite-shell-progress-')
  const file = join(dir, 'backup.db')
  const [cmd, args] = shellCommand('node')
  const backup = new Terminal([cmd, ...args, ...connect(source)], { env: { HOME: dir } })
  try {
    await backup.waitFor(/>$/)
    backup.line(`.backup ${file}`)
    await backup.waitFor(new RegExp(String.raw`backup \[#{24}\] 100% 4\.\d MiB \/ 4\.\d MiB  ${rate}\nbackup file written successfully\n.*>$`), 30_000)
  } finally {
    backup.close()
  }
  const size = readFileSync(file).length
  expect(size).toBeGreaterThan(ROWS * MIB)

  const restore = new Terminal([cmd, ...args, ...connect(target)], { env: { HOME: dir } })
  try {
    await restore.waitFor(/>$/)
    restore.line(`.restore ${file}`)
    await restore.waitFor(new RegExp(String.raw`restore \[#{24}\] 100% 4\.\d MiB \/ 4\.\d MiB  ${rate}\nDatabase restored successfully\n.*>$`), 30_000)
    restore.line('SELECT count(*), sum(length(b)) FROM big;')
    await restore.waitFor(new RegExp(String.raw`\| ${ROWS} +\| ${ROWS * MIB} +\|`))
  } finally {
    restore.close()
  }
}, 90_000)
