// A single voter and two read replicas (`-raft-non-voter`) as real processes, under writes;
// the voter is killed -9 again and again. Afterwards no replica holds a row the voter lacks,
// every acknowledged write is on the voter, and the replicas converge on its rows.
// (kill -9 keeps the page cache, so the loss of unsynced bytes is covered in process by
// test/cluster/lone-voter-replicas.test.ts, which cuts the power on the voter's file port.)
import { afterAll, expect, test } from 'vitest'
import { FAST_ELECTION, execute, queryText, restartRaftlited, waitFor } from '../support/cluster-processes.ts'
import { freePort } from '../support/free-port.ts'
import { type RaftlitedProcess, startRaftlited, tempDataDir } from '../support/raftlited-process.ts'

const procs: RaftlitedProcess[] = []
afterAll(async () => {
  for (const p of procs) await p.stop('SIGKILL')
})

async function rows(p: RaftlitedProcess): Promise<number[]> {
  const body = JSON.parse(await queryText(p.url, 'SELECT v FROM t ORDER BY v', '&level=none'))
  return (body.results[0].values ?? []).map((r: number[]) => r[0])
}

test('kill -9 of a lone voter under writes: replicas hold nothing it lacks and converge', async () => {
  let voter = await startRaftlited({ args: ['-node-id', '1', ...FAST_ELECTION] })
  procs.push(voter)
  for (const id of ['2', '3']) {
    const replica = await startRaftlited({
      raftPort: await freePort(),
      dataDir: tempDataDir(),
      args: ['-node-id', id, '-join', voter.raftAddr, '-raft-non-voter', ...FAST_ELECTION],
    })
    procs.push(replica)
  }
  const replicas = procs.slice(1)
  await execute(voter.url, ['CREATE TABLE t (v INTEGER PRIMARY KEY)'])
  const acked = new Set<number>()
  let next = 1
  for (let round = 0; round < 3; round++) {
    let stop = false
    const deadline = Date.now() + 10_000
    const writers = Array.from({ length: 8 }, async () => {
      while (!stop && Date.now() < deadline) {
        const v = next++
        try {
          const res = await execute(voter.url, [`INSERT INTO t(v) VALUES (${v})`])
          if (res.status === 200 && res.text.includes('"rows_affected":1')) acked.add(v)
        } catch {
          return // the voter is gone: outcome unknown
        }
      }
    })
    await waitFor('some writes acknowledged', async () => acked.size >= (round + 1) * 20 || undefined)
    await voter.stop('SIGKILL')
    stop = true
    await Promise.all(writers)
    const replicaRows = await Promise.all(replicas.map(rows))
    voter = await restartRaftlited(voter)
    procs[0] = voter
    await waitFor('the voter leads again', async () => {
      const status = JSON.parse(await (await fetch(`${voter.url}/status`)).text())
      return status.store.raft.state === 'Leader' || undefined
    })
    const onVoter = new Set(await rows(voter))
    for (const [i, have] of replicaRows.entries()) {
      expect(have.filter((v) => !onVoter.has(v)), `replica ${i + 2} holds rows the voter lacks`).toEqual([])
    }
    expect([...acked].filter((v) => !onVoter.has(v)), 'acknowledged writes lost').toEqual([])
  }
  await execute(voter.url, [`INSERT INTO t(v) VALUES (${next++})`])
  const want = JSON.stringify(await rows(voter))
  for (const r of replicas) await waitFor(`replica at ${r.url} converges`, async () => JSON.stringify(await rows(r)) === want || undefined)
}, 120_000)
