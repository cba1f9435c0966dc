// Compat scenario 32: -bootstrap-expect 3 -join a,b,c on three nodes started together.
import { afterAll, expect, test } from 'vitest'
import { type RaftlitedProcess, startRaftlited } from '../support/raftlited-process.ts'
import { FAST_ELECTION, execute, queryText, waitFor, settledLeader } from '../support/cluster-processes.ts'
import { freePort } from '../support/free-port.ts'

const procs: RaftlitedProcess[] = []
afterAll(async () => {
  for (const p of procs) await p.stop('SIGKILL')
})

test('three nodes started together form one cluster; a fourth with the same flags joins it', async () => {
  const raftPorts = [await freePort(), await freePort(), await freePort()]
  const join = raftPorts.map((p) => `127.0.0.1:${p}`).join(',')
  const args = (id: string) => ['-node-id', id, '-bootstrap-expect', '3', '-join', join, ...FAST_ELECTION]
  procs.push(...(await Promise.all(raftPorts.map((raftPort, i) => startRaftlited({ raftPort, args: args(String(i + 1)) })))))
  const leader = await settledLeader(procs)
  const nodes = JSON.parse(await (await fetch(`${procs[2].url}/nodes`)).text())
  expect(Object.keys(nodes)).toEqual(['1', '2', '3'])
  expect(Object.values(nodes).filter((n) => (n as { leader: boolean }).leader)).toHaveLength(1)
  await execute(leader.url, ['CREATE TABLE t (v)', 'INSERT INTO t VALUES (1)'])
  const fourth = await startRaftlited({ args: args('4') })
  procs.push(fourth)
  await waitFor('the fourth node to hold the data', async () => (await queryText(fourth.url, 'SELECT count(*) FROM t', '&level=none')).includes('[[1]]'))
  expect(Object.keys(JSON.parse(await (await fetch(`${fourth.url}/nodes`)).text()))).toEqual(['1', '2', '3', '4'])
}, 90_000)
