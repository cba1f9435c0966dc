// .changes in a real terminal (tmux) against a node started with -cdc-config stream: a row
// another client inserts shows as it commits, and Ctrl-C ends the follow, back at the prompt.
import { expect, test } from 'vitest'
import { startRaftlited, tempDataDir } from '../support/raftlited-process.ts'
import { runShellProcess, shellCommand } from '../support/raftlite-shell.ts'
import { Terminal } from '../support/tmux.ts'

test('.changes follows inserts by another client until Ctrl-C', async () => {
  const node = await startRaftlited({ args: ['-cdc-config', 'stream'] })
  const connect = ['-H', '127.0.0.1', '-p', node.httpAddr.split(':')[1]]
  const [cmd, args] = shellCommand('node')
  const t = new Terminal([cmd, ...args, ...connect], { env: { HOME: tempDataDir('raftlite-shell-changes-') } })
  try {
    expect((await runShellProcess(connect, 'CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);\n')).stderr).toBe('')
    await t.waitFor(/>$/)
    t.line('.changes users')
    await t.waitFor(/following changes; Ctrl-C to stop$/)
    expect((await runShellProcess(connect, `INSERT INTO users(name) VALUES ('fiona');\n`)).stderr).toBe('')
    await t.waitFor(/\n\d+ INSERT users \{"id":1,"name":"fiona"\}$/)
    t.press('C-c')
    await t.waitFor(/INSERT users \{"id":1,"name":"fiona"\}\n127\.0\.0\.1:\d+>$/)
    // The shell is usable again.
    t.line('SELECT name FROM users;')
    await t.waitFor(/\| fiona \|\n\+-+\+\n127\.0\.0\.1:\d+>$/)
  } finally {
    t.close()
    await node.stop()
  }
}, 60_000)
