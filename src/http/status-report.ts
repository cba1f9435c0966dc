/** The `/status`, `/nodes` and `/debug/vars` documents, with the keys rqlite's clients read. */
import { formatGoDuration } from '../api/go-duration.ts'
import { formatRfc3339Nano, fromUnix } from '../api/go-time.ts'
import type { JsonValue } from '../api/json-writer.ts'
import type { ApiNode } from '../node/node-api-port.ts'
import { apiUrl } from '../node/api-url.ts'
import { RAFTLITE_VERSION } from '../version.ts'

export const VERSION_HEADER_VALUE = `v${RAFTLITE_VERSION}`

/** Counters shown under `/debug/vars` (rqlite's expvar maps); kept here for importers. */
export { Counters } from '../node/counters.ts'

export function statusDocument(node: ApiNode): Record<string, JsonValue> {
  const { options, platform } = node
  const now = platform.clock.now()
  const db = node.database
  const leader = node.leader()
  const raft = node.raftStatus()
  const members = node.members()
  const self = members.find((m) => m.id === node.id)
  const cdc = node.cdcStatus() as Record<string, JsonValue> | null
  return {
    ...(cdc ? { cdc } : {}),
    build: { version: VERSION_HEADER_VALUE, commit: 'unknown', branch: 'unknown', build_time: 'unknown', compiler: 'raftlite' },
    http: {
      bind_addr: options.httpAddr,
      auth: node.authorizer ? 'enabled' : 'disabled',
      cluster: {},
      queue: {
        _default: {
          max_size: options.writeQueueCapacity,
          batch_size: options.writeQueueBatchSize,
          timeout: formatGoDuration(options.writeQueueTimeoutMs),
          transaction: options.writeQueueTx,
          depth: node.queue.depth,
          sequence_number: node.queue.lastFlushedSequence,
        },
      },
      tls: { enabled: 'false' },
      ...(options.httpAllowOrigin ? { allow_origin: options.httpAllowOrigin } : {}),
    },
    node: {
      start_time: rfc3339(node.startedAt),
      current_time: rfc3339(now),
      uptime: formatGoDuration(now - node.startedAt),
    },
    os: { pid: platform.runtime.pid ?? 0, hostname: platform.runtime.hostname ?? '', page_size: 4096 },
    runtime: { name: platform.runtime.name, version: platform.runtime.version },
    store: {
      open: node.state !== 'Shutdown',
      ready: node.state !== 'Shutdown' && leader !== null,
      node_id: node.id,
      addr: options.raftAdvAddr,
      dir: options.dataDir,
      leader: { node_id: leader?.id ?? '', addr: leader?.addr ?? '' },
      raft: {
        state: node.state,
        voter: self?.voter ?? !options.raftNonVoter,
        term: raft.term,
        commit_index: raft.commit,
        applied_index: node.appliedIndex,
        last_log_index: raft.lastIndex,
        last_log_term: node.raftStatus().term,
        last_snapshot_index: node.lastSnapshotIndex,
        last_snapshot_term: node.raftStatus().lastSnapshotTerm,
        fsm_pending: Math.max(0, raft.commit - node.appliedIndex),
        num_peers: Math.max(0, members.filter((m) => m.voter).length - 1),
        latest_configuration: `[${members.map((m) => `{Suffrage:${m.voter ? 'Voter' : 'Nonvoter'} ID:${m.id} Address:${m.raftAddr}}`).join(' ')}]`,
      },
      fsm_index: node.appliedIndex,
      fsm_term: raft.term,
      db_applied_index: node.appliedIndex,
      nodes: members.map((m) => ({ id: m.id, addr: m.raftAddr, suffrage: m.voter ? 'Voter' : 'Nonvoter' })),
      election_timeout: formatGoDuration(options.raftElectionTimeoutMs),
      snapshot_threshold: options.raftSnapEntries,
      snapshot_interval: formatGoDuration(options.raftSnapIntervalMs),
      trailing_logs: options.raftTrailingLogs,
      num_snapshots: node.stats.snapshots,
      cdc: { enabled: cdc !== null, registered: cdc !== null },
      snapshot_store: { dir: `${options.dataDir}/snapshot`, snapshots: node.lastSnapshotIndex > 0 ? [{ index: node.lastSnapshotIndex }] : [] },
      apply_timeout: formatGoDuration(options.raftApplyTimeoutMs),
      // rqlite's DBConfig; SQL functions come from TypeScript, never native extensions.
      db_conf: { fk_constraints: options.foreignKeys, extensions: [] },
      sqlite3: {
        path: db.path,
        size: db.fileSize() + db.walSize(),
        db_size: db.fileSize(),
        wal_size: db.walSize(),
        version: node.sqliteVersion,
        engine: node.engineKind ?? 'thread', // raftlite: in a worker or on the event loop
        ...(node.engineReads ? { reads: node.engineReads } : {}), // raftlite: where reads ran (worker engine)
        ...(node.heldApplies ? { held_applies: node.heldApplies } : {}), // raftlite: applies run during the fsync (worker engine)
        pragmas: db.pragmas(),
      },
    },
    ...Object.fromEntries([...(node.reporters ?? [])].map(([key, reporter]) => [key, reporter.status()])),
  }
}

export interface NodeEntryOptions {
  timeoutMs: number
  fetch?: typeof fetch
}

/**
 * One `/nodes` entry per member, fields in rqlite's order; every other node is contacted (in
 * parallel) to tell whether it is reachable and how fast it answers.
 */
export async function nodeEntries(node: ApiNode, options: NodeEntryOptions): Promise<Record<string, JsonValue>[]> {
  const leader = node.leader()
  return Promise.all(
    node.members().map(async (m) => {
      const base = { id: m.id, api_addr: apiUrl(m.apiAddr), addr: m.raftAddr }
      const started = node.platform.clock.monotonic()
      let version = ''
      let error: string | undefined
      if (m.id === node.id) {
        version = VERSION_HEADER_VALUE
      } else {
        try {
          const res = await (options.fetch ?? fetch)(`http://${m.raftAddr}/cluster/meta`, { signal: AbortSignal.timeout(options.timeoutMs) })
          await res.arrayBuffer()
          if (!res.ok) throw new Error(`HTTP ${res.status}`)
          version = VERSION_HEADER_VALUE
        } catch (e) {
          error = e instanceof Error && e.name === 'TimeoutError' ? 'timeout waiting for node to respond' : e instanceof Error ? e.message : String(e)
        }
      }
      const seconds = (node.platform.clock.monotonic() - started) / 1000
      return {
        ...base,
        version,
        voter: m.voter,
        reachable: error === undefined,
        leader: leader?.id === m.id,
        ...(error === undefined ? { time: seconds, time_s: formatGoDuration(seconds * 1000) } : { error }),
      }
    }),
  )
}

/** Go encodes maps with sorted keys; `/status` is a map all the way down. */
export function sortDeep(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(sortDeep)
  if (value && typeof value === 'object' && !(value instanceof Uint8Array) && Object.getPrototypeOf(value) === Object.prototype) {
    const o = value as Record<string, JsonValue>
    return Object.fromEntries(Object.keys(o).sort().map((k) => [k, sortDeep(o[k])]))
  }
  return value
}

/** `/status?key=a.b`: the sub-document at a dotted path, `{}` when missing. */
export function pickKey(doc: JsonValue, key: string): JsonValue {
  let cur: JsonValue = doc
  for (const part of key.split('.')) {
    if (cur && typeof cur === 'object' && !Array.isArray(cur) && !(cur instanceof Uint8Array) && part in cur) {
      cur = (cur as Record<string, JsonValue>)[part]
    } else {
      return {}
    }
  }
  return cur
}

function rfc3339(ms: number): string {
  const whole = Math.floor(ms)
  return formatRfc3339Nano(fromUnix(Math.floor(whole / 1000), (whole % 1000) * 1_000_000))
}
