/**
 * The driver sends a leader's appends and heartbeats (`Ready.early`) before the leader's own
 * fsync. That is safe only if they never announce a commit index above what the leader holds
 * durably: a lone voter commits on its own copy, and a learner told of the commit would apply
 * an entry that a power loss on the leader can take back (docs/raft.md, "early send").
 */
import { expect, test } from 'vitest'
import {
  bootstrapState,
  createSeededRandom,
  encodeConfChange,
  type Entry,
  MemoryStorage,
  type Message,
  RaftNode,
  type Ready,
} from '../../src/raft/mod.ts'

function loneVoterWithLearner(): { node: RaftNode; storage: MemoryStorage } {
  const boot = bootstrapState(['a'])
  const entries: Entry[] = [...boot.entries, { index: 2, term: 1, type: 'confChange', data: encodeConfChange({ type: 'addLearner', nodeId: 'b' }) }]
  const storage = new MemoryStorage()
  storage.append(entries)
  storage.setHardState({ ...boot.hardState, commit: 2 })
  const node = new RaftNode({ id: 'a', storage, random: createSeededRandom(1), applied: 2 })
  return { node, storage }
}

/** The learner acknowledges everything the leader has, so appends stream to it. */
function learnerCaughtUp(node: RaftNode): void {
  const { term, lastIndex } = node.status()
  node.step({ type: 'appendResp', from: 'b', to: 'a', term, index: lastIndex, reject: false, rejectHint: 0, logTerm: 0 })
}

function persist(storage: MemoryStorage, rd: Ready): void {
  storage.append(rd.entries)
  if (rd.hardState) storage.setHardState(rd.hardState)
}

/** Handles Readys as the driver does, checking every early message against what is durable. */
function drain(node: RaftNode, storage: MemoryStorage): Message[] {
  const early: Message[] = []
  while (node.hasReady()) {
    const rd = node.ready()
    const durable = storage.lastIndex()
    for (const m of rd.early) {
      const commit = m.type === 'append' || m.type === 'heartbeat' ? m.commit : 0
      expect(commit, `early ${m.type} to ${m.to} announces commit ${commit}, durable only ${durable}`).toBeLessThanOrEqual(durable)
      early.push(m)
    }
    persist(storage, rd)
    node.advance()
  }
  return early
}

test("a lone voter's early appends never announce a commit beyond its durable log", () => {
  const { node, storage } = loneVoterWithLearner()
  node.campaign()
  drain(node, storage)
  expect(node.status().role).toBe('leader')
  learnerCaughtUp(node)
  drain(node, storage)

  const { index } = node.propose(new TextEncoder().encode('x'))
  const rd = node.ready()
  expect(rd.entries.map((e) => e.index)).toEqual([index])
  // Not durable yet: the entry must not be committed, nor announced as such to the learner.
  expect(node.status().commit).toBeLessThan(index)
  const toLearner = rd.early.filter((m) => m.to === 'b' && m.type === 'append')
  expect(toLearner.length).toBeGreaterThan(0)
  for (const m of toLearner) if (m.type === 'append') expect(m.commit).toBeLessThan(index)
  expect(rd.committedEntries.map((e) => e.index)).not.toContain(index)

  // Once the write is durable it commits, and the learner hears of it.
  persist(storage, rd)
  node.advance()
  expect(node.status().commit).toBe(index)
  const next = node.ready()
  expect(next.committedEntries.map((e) => e.index)).toContain(index)
  expect(next.early.some((m) => m.to === 'b' && m.type === 'append' && m.commit === index)).toBe(true)
})

test('proposals made while a write is being synced commit only with their own fsync', () => {
  const { node, storage } = loneVoterWithLearner()
  node.campaign()
  drain(node, storage)
  const first = node.propose(new TextEncoder().encode('1'))
  const rd = node.ready()
  // The driver steps more work in while it waits for the disk.
  const second = node.propose(new TextEncoder().encode('2'))
  persist(storage, rd)
  node.advance()
  expect(node.status().commit).toBe(first.index)
  expect(node.status().commit).toBeLessThan(second.index)
  drain(node, storage)
  expect(node.status().commit).toBe(second.index)
})
