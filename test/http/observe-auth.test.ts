// A request refused by the permission check is logged (reason "not authorized") and counted,
// like every other refusal; an allowed one logs nothing.
import { afterAll, beforeAll, expect, test } from 'vitest'
import { Logger, MemoryLogSink } from '../../src/observe/logger.ts'
import { RaftliteNode } from '../../src/node/raftlite-node.ts'
import { platformWith } from '../../src/node/platform.ts'
import { MemoryFilePort } from '../../src/storage/memory-file-port.ts'
import type { UserEntry } from '../../src/auth/users.ts'

const sink = new MemoryLogSink()
let node: RaftliteNode

beforeAll(async () => {
  const users: UserEntry[] = [{ username: 'bob', password: 'secret', perms: ['all'] }]
  node = await RaftliteNode.start({ dataDir: '/d', users }, platformWith(new MemoryFilePort(), { logger: new Logger({ sink }) }))
  await node.ready
})
afterAll(() => node.stop())

test('401 from the permission check: logged with its reason and counted; an allowed request: not logged', async () => {
  const http = () => sink.records.filter((r) => r.subsystem === 'http')
  expect((await node.api().request('http://n/status')).status).toBe(401)
  expect(http()).toEqual([expect.objectContaining({ level: 'info', msg: 'request refused', fields: expect.objectContaining({ path: '/status', status: 401, reason: 'not authorized' }) })])
  const bob = { Authorization: `Basic ${btoa('bob:secret')}` }
  expect((await node.api().request('http://n/status', { headers: bob })).status).toBe(200)
  expect(http()).toHaveLength(1)
  const metrics = await (await node.api().request('http://n/metrics', { headers: bob })).text()
  expect(metrics).toMatch(/^raftlite_http_requests_total\{route="unauthorized",method="GET",status="401"\} 1$/m)
})
