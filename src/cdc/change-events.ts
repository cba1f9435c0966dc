/**
 * One applied log entry's row changes as rqlite's CDC events: the JSON of the webhook envelope
 * (compat doc §4), field by field in Go's order. Each event is encoded once, when captured, and
 * kept as text with its table name, so the queue, the webhook and the change stream reuse it
 * and int64 values stay exact.
 */
import type { SqlValue } from '../api/sql-value.ts'
import { type JsonValue, RawJson, toJson } from '../api/json-writer.ts'
import type { AppliedChanges } from '../cluster/database-state-machine.ts'
import type { RowChange } from '../db/row-changes.ts'

export interface EncodedEvent {
  table: string
  /** `{"op":…,"table":…,…}` exactly as the envelope carries it. */
  json: string
}

/** The events of one log entry: an element of the envelope's `payload`. */
export interface ChangeGroup {
  index: number
  /** The entry's commit time, Unix milliseconds (the leader stamped it; every node agrees). */
  timestampMs: number
  events: EncodedEvent[]
}

export interface CaptureOptions {
  rowIdsOnly: boolean
  tableFilter: RegExp | null
}

/** The entry's events, or null when it changed no row (of a captured table). */
export function captureGroup(applied: AppliedChanges, options: CaptureOptions): ChangeGroup | null {
  const events: EncodedEvent[] = []
  for (const change of applied.changes) {
    if (options.tableFilter && !matches(options.tableFilter, change.table)) continue
    events.push({ table: change.table, json: toJson(eventOf(change, options.rowIdsOnly)) })
  }
  return events.length > 0 ? { index: applied.index, timestampMs: applied.timestampMs, events } : null
}

/** `{"index":…,"commit_timestamp":…,"events":[…]}`, optionally only some tables' events. */
export function groupJson(group: ChangeGroup, tables?: RegExp | null): string | null {
  const events = tables ? group.events.filter((e) => matches(tables, e.table)) : group.events
  if (events.length === 0) return null
  return `{"index":${group.index},"commit_timestamp":${group.timestampMs},"events":[${events.map((e) => e.json).join(',')}]}`
}

/** The webhook's body: `{"service_id":…,"node_id":…,"payload":[…]}` (`service_id` omitted when unset). */
export function envelopeJson(serviceId: string, nodeId: string, groups: readonly ChangeGroup[]): string {
  const payload = groups.map((g) => new RawJson(groupJson(g) ?? ''))
  return toJson({ service_id: serviceId || undefined, node_id: nodeId, payload })
}

function eventOf(change: RowChange, rowIdsOnly: boolean): JsonValue {
  const op = change.op === 'insert' ? 'INSERT' : change.op === 'update' ? 'UPDATE' : 'DELETE'
  const oldRowId = change.op === 'insert' ? 0n : change.rowid
  const newRowId = change.op === 'insert' ? change.rowid : change.op === 'update' ? (change.newRowid ?? change.rowid) : 0n
  // Go's omitempty: a zero rowid and an empty image disappear.
  const event: Record<string, JsonValue> = { op, table: change.table || undefined, old_row_id: oldRowId || undefined, new_row_id: newRowId || undefined }
  if (rowIdsOnly) return event
  const columns = change.columns ?? []
  const mismatch = [change.before, change.after].some((row) => row && row.length !== columns.length)
  if (mismatch) {
    event.error = `column count mismatch on table ${change.table}: ${columns.length} names, ${(change.after ?? change.before)!.length} values`
    return event
  }
  event.before = change.before ? rowObject(columns, change.before) : undefined
  event.after = change.after ? rowObject(columns, change.after) : undefined
  return event
}

/**
 * A Go map[string]any: keys sorted. Built as text, since a JS object would put integer-like
 * names ("2") first. BLOBs come out as base64 (toJson's Uint8Array).
 */
function rowObject(columns: readonly string[], values: readonly SqlValue[]): RawJson {
  const order = columns.map((_, i) => i).sort((a, b) => (columns[a] < columns[b] ? -1 : columns[a] > columns[b] ? 1 : 0))
  return new RawJson(`{${order.map((i) => `${toJson(columns[i])}:${toJson(values[i] as JsonValue)}`).join(',')}}`)
}

function matches(re: RegExp, table: string): boolean {
  re.lastIndex = 0 // a /g or /y expression keeps state between calls
  return re.test(table)
}
