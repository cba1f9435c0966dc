// A failed write or fsync of the Raft log stops the node (as etcd does): what is durable is no
// longer known, so it must neither acknowledge nor send anything more.
import { expect, test } from 'vitest'
import { RaftliteNode } from '../../src/node/raftlite-node.ts'
import { platformWith } from '../../src/node/platform.ts'
import { MemoryFilePort } from '../../src/storage/memory-file-port.ts'
import { CuttingFilePort } from '../support/cutting-file-port.ts'

// The next log operations after a write is proposed: its record's write, the commit record's
// write, then the fsync (waited for off the thread). Each one failing must stop the node.
test.each([1, 2, 3])('a failed log write or fsync (operation %i) fails the write at once, stops the node, and a restart has every acknowledged write', async (nth) => {
  const memory = new MemoryFilePort()
  const port = new CuttingFilePort(memory)
  const node = await RaftliteNode.start({ dataDir: '/d', nodeId: 'n1' }, platformWith(port))
  await node.ready
  const errors: string[] = []
  node.addEventListener('error', (e) => errors.push(String((e as CustomEvent).detail)))
  const stopped = new Promise<void>((r) => node.addEventListener('stopped', () => r(), { once: true }))
  await node.client().batch(['CREATE TABLE t (v)', 'INSERT INTO t VALUES (1)'])

  port.cutAt = port.count + nth
  await expect(node.client().execute('INSERT INTO t VALUES (2)')).rejects.toThrow(/raft storage failed, node stopped: power cut/)
  expect(port.cutKind).toBe(nth === 3 ? 'syncAsync' : 'write')
  await stopped
  expect(errors.join('\n')).toMatch(/power cut/)
  await expect(node.client().execute('INSERT INTO t VALUES (3)')).rejects.toThrow(/storage failed|store not open/)

  port.cutAt = Infinity
  memory.kill()
  const restarted = await RaftliteNode.start({ dataDir: '/d', nodeId: 'n1' }, platformWith(memory))
  await restarted.ready
  const values = (await restarted.client().query('SELECT v FROM t ORDER BY v')).rows.map((r) => Number(r.v))
  expect(values.slice(0, 1)).toEqual([1])
  expect(values).not.toContain(3)
  await restarted.stop()
})
