// -a in a real terminal (tmux): the first host of a three-node cluster dies; the next statement
// is answered by an alternative and the prompt names the new host.
import { afterAll, beforeAll, expect, test } from 'vitest'
import { leaderOf, startCluster, waitFor } from '../support/cluster-processes.ts'
import { type RaftlitedProcess, tempDataDir } from '../support/raftlited-process.ts'
import { shellCommand } from '../support/raftlite-shell.ts'
import { Terminal } from '../support/tmux.ts'

let nodes: RaftlitedProcess[]

beforeAll(async () => {
  // raftlited's own election timeouts: short ones lose leadership on a loaded machine while the
  // others join, and these tests kill a follower, so they need no quick election.
  nodes = await startCluster({ size: 3, fast: false })
}, 90_000)

afterAll(async () => {
  await Promise.all((nodes ?? []).map((n) => n.stop()))
})

test('when the first host dies the shell carries on with an alternative, prompt and all', async () => {
  const leader = await waitFor('a leader', () => leaderOf(nodes))
  const [first, ...others] = [...nodes.filter((n) => n !== leader), leader]
  const [cmd, args] = shellCommand('node')
  const t = new Terminal([cmd, ...args, '-p', first.httpAddr.split(':')[1], '-a', others.map((n) => n.httpAddr).join(',')], { env: { HOME: tempDataDir('raftlite-shell-home-') } })
  try {
    await t.waitFor(new RegExp(`${first.httpAddr.replace(/\./g, '\\.')}>$`))
    t.line('CREATE TABLE f (x INTEGER);')
    t.line('INSERT INTO f VALUES (42);')
    await t.waitFor(/1 row affected\n.*>$/)

    await first.stop('SIGKILL')
    t.line('SELECT x FROM f;')
    const screen = await t.waitFor(new RegExp(`\\| 42 \\|\\n\\+----\\+\\n${others[0].httpAddr.replace(/\./g, '\\.')}>$`))
    expect(screen).toContain(`http://${others[0].httpAddr} answered instead: now connected to it`)
  } finally {
    t.close()
  }
}, 60_000)
