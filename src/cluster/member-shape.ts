/**
 * Checks the member list a leader sends with a snapshot (untrusted, like every cluster-port
 * input): it replaces the node's membership when the snapshot is installed and is kept in
 * `meta.json`, so a malformed entry would stop the node there and again at every start.
 */
import type { Member } from './members.ts'
import { flag, list, object, text } from './shape-check.ts'

export function checkMembers(value: unknown): Member[] {
  return list({ members: value }, 'members', 'snapshot header').map((v) => {
    const m = object(v, 'member')
    return { id: text(m, 'id', 'member'), raftAddr: text(m, 'raftAddr', 'member'), apiAddr: text(m, 'apiAddr', 'member'), voter: flag(m, 'voter', 'member') }
  })
}
