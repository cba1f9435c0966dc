// What works instead of native extensions (-extensions-path): SQL functions written in
// TypeScript, registered at start on every node and run by every replica as it applies a write.
import { afterAll, beforeAll, expect, test } from 'vitest'
import type { SqlFunction } from '../../src/db/database.ts'
import { startTestNode, type TestNode, until } from '../cluster/in-process-cluster.ts'

const nodes: TestNode[] = []
const slugify: SqlFunction = (text) => String(text).toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')
const strict: SqlFunction = (n) => {
  if (typeof n !== 'number' && typeof n !== 'bigint') throw new Error('strict() wants a number')
  return BigInt(n) * 2n
}
const functions = new Map([['slugify', slugify], ['strict', strict]])
const sql = (s: string) => ({ sql: s, positional: [], named: null })

beforeAll(async () => {
  nodes.push(await startTestNode('f1', {}, { functions }))
  await nodes[0].node.ready
  nodes.push(await startTestNode('f2', { join: [nodes[0].raftAddr] }, { functions }))
  await Promise.all(nodes.map((n) => n.node.ready))
}, 30_000)

afterAll(async () => {
  for (const n of nodes) await n.stop()
})

test('a function used in a write gives the same value on every replica', async () => {
  await nodes[0].node.execute([sql('CREATE TABLE posts (title TEXT, slug TEXT)'), sql("INSERT INTO posts VALUES ('Hello, World!', slugify('Hello, World!'))")])
  for (const n of nodes) {
    await until('the row on every node', async () => {
      const [r] = await n.node.query([sql('SELECT slug, strict(21) FROM posts')], { level: 'none' })
      return r.kind === 'rows' && r.rows.rows.length === 1 ? r : undefined
    }).then((r) => expect(r.kind === 'rows' && r.rows.rows).toEqual([['hello-world', 42n]]))
  }
})

test('a function that throws fails its statement with the message', async () => {
  const [r] = await nodes[0].node.query([sql("SELECT strict('x')")])
  expect(r).toMatchObject({ kind: 'error' })
  expect(r.kind === 'error' && r.error).toContain('strict() wants a number')
})
