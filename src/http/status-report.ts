/** The `/status`, `/nodes` and `/debug/vars` documents, with the keys rqlite's clients read. */
import { formatGoDuration } from '../api/go-duration.ts'
import { formatRfc3339Nano, fromUnix } from '../api/go-time.ts'
import type { JsonValue } from '../api/json-writer.ts'
import type { RaftliteNode } from '../node/raftlite-node.ts'
import { apiUrl } from '../node/api-url.ts'
import { RAFTLITE_VERSION } from '../version.ts'

export const VERSION_HEADER_VALUE = `v${RAFTLITE_VERSION}`

/** Counters shown under `/debug/vars` (rqlite's expvar maps). */
export class Counters {
  readonly #maps = new Map<string, Map<string, number>>()

  add(map: string, key: string, n = 1): void {
    const m = this.#maps.get(map) ?? new Map<string, number>()
    this.#maps.set(map, m)
    m.set(key, (m.get(key) ?? 0) + n)
  }

  snapshot(): Record<string, Record<string, number>> {
    return Object.fromEntries([...this.#maps].map(([k, m]) => [k, Object.fromEntries(m)]))
  }
}

export function statusDocument(node: RaftliteNode): Record<string, JsonValue> {
  const { options, platform } = node
  const now = platform.clock.now()
  const db = node.database
  const leader = node.leader()
  const index = node.appliedIndex
  const term = leader ? 1 : 0
  return {
    build: { version: VERSION_HEADER_VALUE, commit: 'unknown', branch: 'unknown', build_time: 'unknown', compiler: 'raftlite' },
    http: {
      bind_addr: options.httpAddr,
      auth: 'disabled',
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
      ready: node.state !== 'Shutdown',
      node_id: node.id,
      addr: options.raftAdvAddr,
      dir: options.dataDir,
      leader: { node_id: leader?.id ?? '', addr: leader?.addr ?? '' },
      raft: {
        state: node.state,
        voter: true,
        term,
        commit_index: index,
        applied_index: index,
        last_log_index: index,
        last_log_term: term,
        last_snapshot_index: 0,
        last_snapshot_term: 0,
        fsm_pending: 0,
        num_peers: 0,
      },
      fsm_index: index,
      fsm_term: term,
      db_applied_index: index,
      nodes: [{ id: node.id, addr: options.raftAdvAddr, suffrage: 'Voter' }],
      sqlite3: {
        path: db.path,
        size: db.fileSize() + db.walSize(),
        db_size: db.fileSize(),
        wal_size: db.walSize(),
        version: node.sqliteVersion,
        pragmas: db.pragmas(),
      },
    },
  }
}

/** One entry of `/nodes` (and the body of `GET /leader`), fields in rqlite's order. */
export function selfNodeEntry(node: RaftliteNode): Record<string, JsonValue> {
  const leader = node.leader()
  return {
    id: node.id,
    api_addr: apiUrl(node.options.httpAdvAddr),
    addr: node.options.raftAdvAddr,
    version: VERSION_HEADER_VALUE,
    voter: true,
    reachable: true,
    leader: leader?.id === node.id,
    time: 0,
    time_s: '0s',
  }
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
