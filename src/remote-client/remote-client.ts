/**
 * The remote client: the in-process client's API (`execute`, `query`, `batch`, `enqueue`, the
 * same `ResultSet`s and `RaftliteError`) over the rqlite HTTP API, on `fetch` alone, so it runs
 * on Node, Deno, Bun, Workers and browsers, against raftlite or rqlite.
 */
import type { ChangeGroupJson } from '../cdc/change-json.ts'
import type { InStatement, IntMode, ResultSet } from '../client/types.ts'
import type { ReadLevel } from '../node/read-level.ts'
import { readChanges } from './change-reader.ts'
import { decodeResponse, type DecodedResponse, resultSets } from './decode-results.ts'
import { encodeStatements } from './encode-statements.ts'
import { RemoteRequestError } from './remote-errors.ts'
import { type ApiRequest, Transport, type TransportOptions } from './transport.ts'

export interface RemoteClientOptions extends TransportOptions {
  /** How integers come back, as in-process: `number` (default; throws beyond 2^53), `bigint` or `string`. */
  intMode?: IntMode
  /** The read level when a call does not say (default: the server's, `weak`). */
  level?: ReadLevel
}

export interface RemoteReadOptions {
  level?: ReadLevel
  /** With level `none`: fail with `stale read` when the node heard from the leader longer ago (ms or a Go duration like `1s`). */
  freshness?: number | string
  /** With `freshness`: also judge by the newest entry's leader timestamp. */
  freshnessStrict?: boolean
  signal?: AbortSignal
}

export interface RemoteWriteOptions {
  /** Run the statements in one transaction: the first error rolls all back (default true for `batch`). */
  transaction?: boolean
  signal?: AbortSignal
}

export interface ChangesOptions {
  /** Start after this log index (exclusive); default: the oldest the node keeps. */
  since?: number
  /** Only tables whose name matches this regular expression (the server evaluates it). */
  tables?: string
  signal?: AbortSignal
}

export class RemoteClient {
  readonly #transport: Transport
  readonly #intMode: IntMode
  readonly #level: ReadLevel | undefined

  constructor(options: RemoteClientOptions) {
    this.#transport = new Transport(options)
    this.#intMode = options.intMode ?? 'number'
    this.#level = options.level
  }

  /** The hosts, the believed leader first. */
  get hosts(): string[] {
    return this.#transport.hosts.order()
  }

  /** Runs one statement (`/db/request`): a write goes through the log, a read follows `level`. */
  async execute(statement: InStatement, options: RemoteReadOptions = {}): Promise<ResultSet> {
    const [result] = await this.request([statement], options)
    return result
  }

  /**
   * Runs reads and writes together (`/db/request`), one result per statement. Treated as a
   * write: if the connection breaks after sending, the outcome is unknown and it is not re-sent.
   */
  async request(statements: InStatement[], options: RemoteReadOptions & { transaction?: boolean } = {}): Promise<ResultSet[]> {
    const params = this.#readParams(options)
    if (options.transaction) params.set('transaction', 'true')
    return resultSets(await this.#post('/db/request', statements, params, 'write', options.signal))
  }

  /** Statements as one write (one log entry, `/db/execute`); atomic unless `transaction: false`. */
  async batch(statements: InStatement[], options: RemoteWriteOptions = {}): Promise<ResultSet[]> {
    const params = new URLSearchParams()
    if (options.transaction ?? true) params.set('transaction', 'true')
    return resultSets(await this.#post('/db/execute', statements, params, 'write', options.signal))
  }

  /** Reads (`/db/query`); a statement that would write fails. Safe to retry on any host. */
  async query(statement: InStatement, options: RemoteReadOptions = {}): Promise<ResultSet> {
    const [result] = resultSets(await this.#post('/db/query', [statement], this.#readParams(options), 'read', options.signal))
    return result
  }

  /**
   * A queued write (`/db/execute?queue`): acknowledged before it is written, batched with others.
   * With `wait`, resolves once the node has flushed it. Queued writes are not durable until then.
   */
  async enqueue(statements: InStatement[], options: { wait?: boolean; signal?: AbortSignal } = {}): Promise<{ sequence: bigint }> {
    const params = new URLSearchParams({ queue: 'true' })
    if (options.wait) params.set('wait', 'true')
    const decoded = await this.#post('/db/execute', statements, params, 'write', options.signal)
    if (decoded.sequenceNumber === undefined) throw new RemoteRequestError('the queued write was answered without a sequence_number', 200, '')
    return { sequence: decoded.sequenceNumber }
  }

  /**
   * The change stream (`GET /db/changes`, raftlite's CDC readers) as an async iterator. On a
   * broken connection it resumes after the last group it yielded, on any host.
   */
  changes(options: ChangesOptions = {}): AsyncGenerator<ChangeGroupJson> {
    return readChanges(this.#transport, options)
  }

  async #post(path: string, statements: InStatement[], params: URLSearchParams, kind: ApiRequest['kind'], signal?: AbortSignal): Promise<DecodedResponse> {
    if (statements.length === 0) throw new TypeError('no statements')
    params.set('blob_array', 'true')
    const body = encodeStatements(statements)
    const { host, response } = await this.#transport.send({ method: 'POST', path, params, body, kind, signal })
    const decoded = decodeResponse(await response.text(), this.#intMode, host)
    if (decoded.error !== undefined) throw new RemoteRequestError(decoded.error, response.status, host)
    return decoded
  }

  #readParams(options: RemoteReadOptions): URLSearchParams {
    const params = new URLSearchParams()
    const level = options.level ?? this.#level
    if (level) params.set('level', level)
    if (options.freshness !== undefined) {
      params.set('freshness', typeof options.freshness === 'number' ? `${options.freshness}ms` : options.freshness)
      if (options.freshnessStrict) params.set('freshness_strict', 'true')
    }
    return params
  }
}

/** A client for the cluster at `hosts` (`'http://127.0.0.1:4001'` or several). */
export function createClient(options: RemoteClientOptions | string | string[]): RemoteClient {
  return new RemoteClient(typeof options === 'string' || Array.isArray(options) ? { hosts: options } : options)
}
