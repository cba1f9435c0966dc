/**
 * `-auto-restore`: at start, a node that leads a cluster holding no data loads the backup the
 * config names (gzip or plain, told apart by its first bytes) through the usual load path, so
 * every node gets it and it is checked before anything changes. A node that has data, or does
 * not lead, skips it: only the first leader of an empty cluster restores.
 */
import type { StatementResult } from '../db/statement-result.ts'
import type { BoundStatement } from '../sqlite/connection.ts'
import type { SubsystemLogger } from '../observe/logger.ts'
import type { Timers } from '../ports/timers.ts'
import type { AutoRestoreConfig } from './backup-config.ts'
import type { BackupTarget } from './backup-target.ts'

export interface RestoreTarget {
  readonly isLeader: boolean
  query(statements: BoundStatement[], options?: { level?: 'none' }): Promise<StatementResult[]>
  readonly platform: { timers: Timers }
  loadDatabase(body: ReadableStream<Uint8Array>): Promise<{ raftIndex: number; bytes: number }>
}

export type RestoreOutcome = 'restored' | 'not_leader' | 'has_data'

export class AutoRestoreError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'AutoRestoreError'
  }
}

export async function autoRestore(node: RestoreTarget, config: AutoRestoreConfig, target: BackupTarget, log: SubsystemLogger): Promise<RestoreOutcome> {
  if (!node.isLeader) {
    log.info('auto-restore skipped: not the leader', { target: target.description })
    return 'not_leader'
  }
  const [tables] = await node.query([{ sql: 'SELECT count(*) FROM sqlite_schema', positional: [], named: null }], { level: 'none' })
  if (tables.kind !== 'rows' || Number(tables.rows.rows[0]?.[0] ?? 0) > 0) {
    log.info('auto-restore skipped: the node has data', { target: target.description })
    return 'has_data'
  }
  let cancel = () => {}
  const timedOut = new Promise<never>((_, reject) => {
    cancel = node.platform.timers.setTimeout(() => reject(new AutoRestoreError(`auto-restore from ${target.description} timed out after ${config.timeoutMs} ms`)), config.timeoutMs)
  })
  try {
    const outcome = await Promise.race([restore(node, target), timedOut])
    log.info('auto-restore done', { target: target.description, bytes: outcome.bytes, raft_index: outcome.raftIndex })
    return 'restored'
  } catch (e) {
    const message = e instanceof AutoRestoreError ? e.message : `auto-restore from ${target.description} failed: ${e instanceof Error ? e.message : String(e)}`
    log.error(message)
    throw new AutoRestoreError(message)
  } finally {
    cancel()
  }
}

async function restore(node: RestoreTarget, target: BackupTarget): Promise<{ raftIndex: number; bytes: number }> {
  const object = await target.get(target.name)
  if (!object) throw new AutoRestoreError(`auto-restore: no backup at ${target.description}`)
  const reader = object.getReader()
  const first = await reader.read()
  const head = first.value ?? new Uint8Array(0)
  let body = new ReadableStream<Uint8Array>({
    start(controller) {
      if (head.length > 0) controller.enqueue(head)
      if (first.done) controller.close()
    },
    async pull(controller) {
      const { done, value } = await reader.read()
      if (done) controller.close()
      else controller.enqueue(value)
    },
    cancel: (reason) => reader.cancel(reason),
  })
  if (head[0] === 0x1f && head[1] === 0x8b) body = body.pipeThrough(new DecompressionStream('gzip') as unknown as TransformStream<Uint8Array, Uint8Array>)
  return node.loadDatabase(body)
}
