import { describe, expect, test } from 'vitest'
import type { SnapshotMessage } from '../../src/raft/mod.ts'
import { bytes, Harness } from './harness.ts'

describe('snapshots', () => {
  test('a follower behind the compacted log receives a snapshot, then entries', () => {
    const h = new Harness(['a', 'b', 'c'])
    h.elect('a')
    h.isolate('c')
    for (let i = 0; i < 10; i++) h.node('a').propose(bytes(`p${i}`))
    h.stabilize()
    const a = h.node('a')
    const st = a.status()
    const sa = h.storages.get('a')
    sa?.createSnapshot(st.applied, a.confStateAt(st.applied), bytes('state-at-applied'))
    sa?.compact(st.applied)
    h.node('a').propose(bytes('after'))
    h.stabilize()
    h.heal()
    h.sent.length = 0
    h.tickAll()
    h.stabilize()
    const snaps = h.sent.filter((m): m is SnapshotMessage => m.type === 'snapshot')
    expect(snaps).toHaveLength(1)
    expect(snaps[0].snapshot.metadata.index).toBe(st.applied)
    // Snapshots are reported by the app; here delivery succeeded.
    h.node('a').reportSnapshot('c', true)
    h.tickAll()
    h.stabilize()
    expect(h.storages.get('c')?.snapshot().metadata.index).toBe(st.applied)
    expect(h.appliedData('c')).toEqual(['after'])
    expect(h.node('c').status().commit).toBe(a.status().commit)
  })

  test('a failed snapshot is retried after reportSnapshot(id, false)', () => {
    const h = new Harness(['a', 'b', 'c'])
    h.elect('a')
    h.isolate('c')
    for (let i = 0; i < 5; i++) h.node('a').propose(bytes(`p${i}`))
    h.stabilize()
    const st = h.node('a').status()
    h.storages.get('a')?.createSnapshot(st.applied, h.node('a').confStateAt(st.applied), bytes('s'))
    h.storages.get('a')?.compact(st.applied)
    h.heal()
    h.isolateLink('a', 'c', true) // the snapshot is lost
    h.tickAll()
    h.stabilize()
    h.node('a').reportSnapshot('c', false)
    h.heal()
    h.sent.length = 0
    h.tickAll()
    h.stabilize()
    expect(h.sent.filter((m) => m.type === 'snapshot')).toHaveLength(1)
    expect(h.node('c').status().commit).toBe(h.node('a').status().commit)
  })

  test('a restarted node rebuilds from its snapshot and log', () => {
    const h = new Harness(['a', 'b', 'c'])
    h.elect('a')
    for (let i = 0; i < 5; i++) h.node('a').propose(bytes(`p${i}`))
    h.stabilize()
    const sb = h.storages.get('b')
    const b = h.node('b')
    const applied = b.status().applied
    sb?.createSnapshot(applied - 2, b.confStateAt(applied - 2), bytes('s'))
    sb?.compact(applied - 2)
    const restarted = h.addNode('b', sb)
    expect(restarted.status().commit).toBe(applied)
    expect(restarted.status().applied).toBe(applied - 2)
    h.stabilize()
    expect(restarted.status().applied).toBe(applied)
  })
})
