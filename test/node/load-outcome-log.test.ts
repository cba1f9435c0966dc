// A load that fails says whether the data may still change: before its commit is proposed the
// staged chunks change nothing; after, a failed wait (a timeout, a lost leadership) does not tell
// whether the commit will apply, and the log must not claim "the data is as it was".
import { expect, test } from 'vitest'
import { LOAD_COMMIT_COMMAND } from '../../src/cluster/load-commands.ts'
import type { Members } from '../../src/cluster/members.ts'
import { Database } from '../../src/db/database.ts'
import { NodeLoad } from '../../src/node/node-load.ts'
import { DEFAULT_NODE_OPTIONS } from '../../src/node/node-options.ts'
import { platformWith } from '../../src/node/platform.ts'
import { type LogRecord, Logger } from '../../src/observe/logger.ts'
import { MemoryFilePort } from '../../src/storage/memory-file-port.ts'

async function sqliteFile(): Promise<Uint8Array> {
  const db = await Database.open({ files: new MemoryFilePort(), path: '/src/db.sqlite' })
  db.applyBatch({ statements: [{ sql: 'CREATE TABLE t (v)', positional: [], named: null }], timestampMs: 0, seed: 1n, transaction: false, mode: 'execute', timeoutMs: 0 })
  const image = db.openImage()
  try {
    return new Uint8Array(Buffer.concat([...image.chunks(3)]))
  } finally {
    image.close()
  }
}

async function loadFailing(failOn: 'chunk' | 'commit'): Promise<LogRecord[]> {
  const files = new MemoryFilePort()
  const records: LogRecord[] = []
  const db = await Database.open({ files, path: '/d/db.sqlite' })
  const load = new NodeLoad({
    id: 'n1',
    db,
    engine: null,
    platform: platformWith(files),
    logger: new Logger({ sink: { write: (r) => records.push(r) } }),
    members: { list: () => [{ id: 'n1' }] } as unknown as Members,
    stopping: () => false,
    options: { ...DEFAULT_NODE_OPTIONS, dataDir: '/d', nodeId: 'n1', httpAdvAddr: '', raftAdvAddr: '' },
    isLeader: () => true,
    snapshot: async () => true,
    data: {
      command: async (name) => {
        if (failOn === 'commit' && name !== LOAD_COMMIT_COMMAND) return { result: null, raftIndex: 1 }
        throw new Error('timed out waiting for the entry to apply')
      },
    },
  })
  const bytes = await sqliteFile()
  const body = new ReadableStream<Uint8Array>({ start: (c) => (c.enqueue(bytes), c.close()) })
  await expect(load.load(body)).rejects.toThrow(/timed out/)
  return records.filter((r) => r.level === 'warn')
}

test('a load failing before its commit says the data is as it was', async () => {
  expect((await loadFailing('chunk')).map((r) => r.msg)).toEqual(['load failed; the data is as it was'])
})

test('a load whose commit was proposed but not seen applied says it may still apply', async () => {
  expect((await loadFailing('commit')).map((r) => r.msg)).toEqual(['load failed after its commit was proposed; it may still apply'])
})
