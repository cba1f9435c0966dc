// -a/--alternatives: when the node the shell talks to dies, the next request goes to the next
// host on the list, the shell says so, and the session goes on. A real three-node cluster.
import { afterAll, beforeAll, expect, test } from 'vitest'
import { leaderOf, startCluster, waitFor } from '../support/cluster-processes.ts'
import type { RaftlitedProcess } from '../support/raftlited-process.ts'
import { runShellProcess, startShellProcess } from '../support/raftlite-shell.ts'

let nodes: RaftlitedProcess[]

beforeAll(async () => {
  // raftlited's own election timeouts: short ones lose leadership on a loaded machine while the
  // others join, and these tests kill a follower, so they need no quick election.
  nodes = await startCluster({ size: 3, fast: false })
}, 90_000)

afterAll(async () => {
  await Promise.all((nodes ?? []).map((n) => n.stop()))
})

test('the shell fails over to an alternative when its host dies', async () => {
  const leader = await waitFor('a leader', () => leaderOf(nodes))
  const [first, ...others] = [...nodes.filter((n) => n !== leader), leader]
  const shell = startShellProcess(['-H', '127.0.0.1', '-p', first.httpAddr.split(':')[1], '-a', others.map((n) => n.httpAddr).join(',')])
  shell.write('CREATE TABLE f (x INTEGER);\nINSERT INTO f VALUES (1);\n')
  await shell.waitFor('stdout', /1 row affected\n$/)

  await first.stop('SIGKILL')
  shell.write('SELECT count(*) AS c FROM f;\n')
  await shell.waitFor('stdout', /\| 1 \|\n\+---\+\n$/)
  expect(shell.stderr()).toBe(`http://${others[0].httpAddr} answered instead: now connected to it\n`)
  // The next request stays with the new host: no second notice.
  shell.write('INSERT INTO f VALUES (2);\n')
  await shell.waitFor('stdout', /1 row affected\n$/)
  expect(await shell.end()).toBe(0)
  expect(shell.stderr().match(/answered instead/g)).toHaveLength(1)
}, 60_000)

test('with every host down the error names each one', async () => {
  const alive = nodes.filter((n) => n.child.exitCode === null && n.child.signalCode === null)
  const dead = nodes.find((n) => !alive.includes(n))!
  const run = await runShellProcess(['-p', dead.httpAddr.split(':')[1], '-a', `127.0.0.1:${dead.httpAddr.split(':')[1]}`, '-e', 'SELECT 1'])
  expect(run.stderr).toMatch(new RegExp(`^Error: cannot reach any host \\(${dead.httpAddr.replace(/\./g, '\\.')}: ECONNREFUSED .*; ${dead.httpAddr.replace(/\./g, '\\.')}: ECONNREFUSED .*\\)\\n$`))
  expect(run.code).toBe(1)
})

test('.remove takes the dead node out of the cluster; .stepdown hands leadership over', async () => {
  const dead = nodes.find((n) => n.child.exitCode !== null || n.child.signalCode !== null)!
  const deadId = dead.args[dead.args.indexOf('-node-id') + 1]
  const alive = nodes.filter((n) => n !== dead)
  const leaderBefore = await waitFor('a leader', () => leaderOf(alive))
  const run = await runShellProcess(['-p', alive[0].httpAddr.split(':')[1], '-e', `.remove ${deadId}`, '-e', '.nodes', '-e', '.stepdown'])
  expect(run.stderr).toBe('')
  expect(run.stdout).toMatch(new RegExp(`^node ${deadId} removed\\n`))
  expect(run.stdout).not.toContain(`id: ${deadId}\n`)
  for (const n of alive) expect(run.stdout).toContain(`api_addr: ${n.url}\n`)
  expect(run.stdout).toMatch(/leadership transferred\n$/)
  const leaderAfter = await waitFor('the new leader', () => leaderOf(alive))
  expect(leaderAfter).not.toBe(leaderBefore)
  expect(run.code).toBe(0)
}, 60_000)
