// Extension point: a command other than SQL goes through the log and every node applies it,
// deterministically (time and randomness pinned by the leader), through its registered handler.
import { afterAll, beforeAll, expect, test } from 'vitest'
import type { CommandHandler } from '../../src/cluster/database-state-machine.ts'
import { startTestNode, type TestNode, until } from '../cluster/in-process-cluster.ts'

const nodes: TestNode[] = []
const seen: string[] = []
/** Loads rows from a payload of lines; the time and random() it stores must agree everywhere. */
const load: CommandHandler = ({ payload, connection, index }) => {
  connection.exec('CREATE TABLE IF NOT EXISTS loaded (v TEXT, at TEXT, r INTEGER)')
  const lines = new TextDecoder().decode(payload).split('\n')
  for (const v of lines) connection.run({ sql: "INSERT INTO loaded VALUES (?, datetime('now'), random())", positional: [v], named: null }, { wantRows: false })
  seen.push(`${index}`)
  return lines.length
}
const fail: CommandHandler = ({ connection }) => {
  connection.exec('CREATE TABLE IF NOT EXISTS loaded (v TEXT, at TEXT, r INTEGER)')
  connection.exec("INSERT INTO loaded VALUES ('half', '', 0)")
  throw new Error('handler gave up')
}
const commands = new Map([['load', load], ['fail', fail]])

beforeAll(async () => {
  nodes.push(await startTestNode('c1', {}, { commands }))
  await nodes[0].node.ready
  nodes.push(await startTestNode('c2', { join: [nodes[0].raftAddr] }, { commands }))
  nodes.push(await startTestNode('c3', { join: [nodes[0].raftAddr] }, { commands }))
  await Promise.all(nodes.map((n) => n.node.ready))
}, 30_000)

afterAll(async () => {
  for (const n of nodes) await n.stop()
})

const rows = async (n: TestNode) => {
  const [r] = await n.node.query([{ sql: 'SELECT v, at, r FROM loaded ORDER BY rowid', positional: [], named: null }], { level: 'none' })
  if (r.kind !== 'rows') throw new Error(JSON.stringify(r))
  return r.rows.rows
}

test('a registered command replicates and is applied alike on every node', async () => {
  const leader = await until('a leader', () => nodes.find((n) => n.node.isLeader))
  const outcome = await leader.node.command('load', new TextEncoder().encode('a\nb\nc'))
  expect(outcome.result).toBe(3)
  for (const n of nodes) await until(`${n.node.id} applied it`, () => n.node.appliedIndex >= outcome.raftIndex)
  const onLeader = await rows(leader)
  expect(onLeader.map((r) => r[0])).toEqual(['a', 'b', 'c'])
  expect(String(onLeader[0][1])).toMatch(/^\d{4}-\d\d-\d\d /)
  for (const n of nodes) expect(await rows(n), n.node.id).toEqual(onLeader)
  expect(seen.filter((i) => i === String(outcome.raftIndex))).toHaveLength(3) // once per node
})

test('a handler that throws leaves nothing behind on any node, and the proposer gets its error', async () => {
  const leader = await until('a leader', () => nodes.find((n) => n.node.isLeader))
  await expect(leader.node.command('fail', new Uint8Array())).rejects.toThrow('handler gave up')
  await expect(leader.node.command('unregistered', new Uint8Array())).rejects.toThrow('no handler registered for command "unregistered"')
  const index = leader.node.appliedIndex
  for (const n of nodes) await until(`${n.node.id} applied them`, () => n.node.appliedIndex >= index)
  for (const n of nodes) {
    expect((await rows(n)).map((x) => x[0]), n.node.id).toEqual(['a', 'b', 'c'])
  }
})

test('a follower refuses to propose a command, naming the leader as not itself', async () => {
  const follower = await until('a follower', () => nodes.find((n) => !n.node.isLeader && n.node.leader()))
  await expect(follower.node.command('load', new Uint8Array())).rejects.toThrow('not leader')
})
