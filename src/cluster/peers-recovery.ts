/**
 * Manual recovery with `raft/peers.json` (rqlite's format): when a cluster lost its quorum for
 * good, or every node came back on new addresses, the operator writes the membership to use
 * on every node and restarts them. Each node replays its whole log, takes a snapshot at its last
 * entry whose membership is the one in the file, and restarts its log from there — as
 * hashicorp/raft's RecoverCluster does. Entries with one index and term are identical wherever
 * they are, so nodes recovering from their own logs stay consistent; the node with the newest
 * log wins the next election. Forcing a configuration without a quorum is the operator's call.
 */
import { advertisedApiAddr } from '../node/api-url.ts'
import type { FilePort } from '../ports/file-port.ts'
import { joinPath, readTextFile } from '../ports/file-port.ts'
import type { ConfState } from '../raft/types.ts'
import { type Member, Members } from './members.ts'
import type { LogStore } from './log-store.ts'
import type { SnapshotStore, StartMode } from './snapshot-store.ts'
import type { Database } from '../db/database.ts'
import type { NodeOptions } from '../node/node-options.ts'
import { decodeCommand } from '../db/command-codec.ts'
import { decodeConfChange } from '../raft/conf-change.ts'

export interface PeerEntry {
  id: string
  address: string
  non_voter?: boolean
}

export class PeersFileError extends Error {
  constructor(path: string, detail: string) {
    super(`${path}: ${detail}. Expected [{"id":"1","address":"host:port","non_voter":false}, …]`)
    this.name = 'PeersFileError'
  }
}

export function peersPath(raftDir: string): string {
  return joinPath(raftDir, 'peers.json')
}

/** Reads and validates peers.json, or returns undefined when there is none. */
export function readPeersFile(files: FilePort, raftDir: string): PeerEntry[] | undefined {
  const path = peersPath(raftDir)
  if (!files.exists(path)) return undefined
  const text = readTextFile(files, path)
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw new PeersFileError(path, 'not valid JSON')
  }
  if (!Array.isArray(parsed) || parsed.length === 0) throw new PeersFileError(path, 'must be a non-empty array')
  const seen = new Set<string>()
  for (const p of parsed as Record<string, unknown>[]) {
    if (!p || typeof p.id !== 'string' || p.id === '' || typeof p.address !== 'string' || !/:\d+$/.test(p.address)) {
      throw new PeersFileError(path, `bad entry ${JSON.stringify(p)}`)
    }
    if (p.non_voter !== undefined && typeof p.non_voter !== 'boolean') throw new PeersFileError(path, `non_voter of ${p.id} must be true or false`)
    if (seen.has(p.id)) throw new PeersFileError(path, `node ${p.id} is listed twice`)
    seen.add(p.id)
  }
  const peers = parsed as PeerEntry[]
  if (!peers.some((p) => !p.non_voter)) throw new PeersFileError(path, 'lists no voter')
  return peers
}

/** The membership peers.json asks for; API addresses are kept from what this node knew. */
export function recoveredMembership(peers: PeerEntry[], known: Member[], self: { id: string; apiAddr: string }): { confState: ConfState; members: Member[] } {
  const members = peers.map((p) => ({
    id: p.id,
    raftAddr: p.address,
    apiAddr: p.id === self.id ? self.apiAddr : (known.find((m) => m.id === p.id)?.apiAddr ?? ''),
    voter: !p.non_voter,
  }))
  return {
    confState: { voters: members.filter((m) => m.voter).map((m) => m.id), learners: members.filter((m) => !m.voter).map((m) => m.id) },
    members,
  }
}

/** Marks the recovery done, as rqlite does: peers.json becomes peers.info. */
export function retirePeersFile(files: FilePort, raftDir: string): void {
  files.rename(peersPath(raftDir), joinPath(raftDir, 'peers.info'))
  files.syncDirectory(raftDir)
}

/**
 * Runs the recovery at start (the database open, Raft not yet running): replay the whole log,
 * snapshot it under the file's membership, restart the log from that snapshot.
 */
export function recoverWithPeers(
  peers: PeerEntry[],
  log: LogStore,
  db: Database,
  snapshots: SnapshotStore,
  start: { applied: number; members?: Member[] },
  options: NodeOptions,
): { applied: number; members: Member[]; mode: StartMode } {
  // Everything this node holds is kept (its commit index may lag what was committed: a crash
  // loses the last unsynced commit update). Entries with one index and term are the same on
  // every node, so nodes recovering from their own logs stay consistent.
  const { term } = log.initialState().hardState
  const last = log.lastIndex()
  if (last === 0) throw new Error('peers.json found, but this node has no state to recover')
  const members = new Members()
  members.replaceAll(start.members ?? [])
  for (let index = start.applied + 1; index <= last; index++) {
    const [entry] = log.entries(index, index + 1, Number.MAX_SAFE_INTEGER)
    if (entry.type === 'confChange') {
      const change = decodeConfChange(entry.data)
      if (change) members.apply(change)
    } else if (entry.data.byteLength > 0) {
      const command = decodeCommand(entry.data)
      if (command.kind === 'write') db.applyBatch(command.batch)
    }
  }
  const recovered = recoveredMembership(peers, members.list(), { id: options.nodeId, apiAddr: advertisedApiAddr(options) })
  const point = { index: last, term: log.term(last), confState: recovered.confState, members: recovered.members }
  snapshots.create(point, db)
  log.applySnapshot({ index: point.index, term: point.term, confState: point.confState })
  log.setHardState({ term, vote: '', commit: last })
  log.sync()
  return { applied: last, members: recovered.members, mode: 'restored' }
}
