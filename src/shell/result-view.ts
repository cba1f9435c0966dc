/**
 * Reads a `/db/request` (or `/db/query`, `/db/execute`) response into what the shell shows.
 * Numbers keep their JSON text, so int64 values print exactly.
 */
import { type JsonNode, readJson } from '../api/json-reader.ts'

/** A cell: JSON text for numbers, the string itself, or null for NULL. */
export type Cell = { kind: 'text'; text: string } | { kind: 'number'; text: string } | { kind: 'bool'; value: boolean } | { kind: 'null' } | { kind: 'json'; text: string }

export type ResultView =
  | { kind: 'rows'; columns: string[]; types: string[]; rows: Cell[][]; time?: number }
  | { kind: 'changed'; rowsAffected: number; lastInsertId: number; time?: number }
  | { kind: 'error'; message: string }

export interface ResponseView {
  /** A request-level error (`{"results":[],"error":"…"}`). */
  error?: string
  results: ResultView[]
}

export class ResponseShapeError extends Error {
  override name = 'ResponseShapeError'
}

export function readResponse(text: string): ResponseView {
  let root: JsonNode
  try {
    root = readJson(text)
  } catch (e) {
    throw new ResponseShapeError(`the server sent something that is not JSON: ${(e as Error).message}`)
  }
  if (root.t !== 'obj') throw new ResponseShapeError('the server sent JSON that is not an object')
  const error = field(root, 'error')
  const results = field(root, 'results')
  return {
    error: error?.t === 'str' && error.v !== '' ? error.v : undefined,
    results: results?.t === 'arr' ? results.items.map(readResult) : [],
  }
}

function readResult(node: JsonNode): ResultView {
  if (node.t !== 'obj') throw new ResponseShapeError('a result is not an object')
  const error = field(node, 'error')
  if (error?.t === 'str' && error.v !== '') return { kind: 'error', message: error.v }
  const time = numberOf(field(node, 'time'))
  const columns = field(node, 'columns')
  const types = field(node, 'types')
  const values = field(node, 'values')
  if (columns || types || values) {
    return {
      kind: 'rows',
      columns: strings(columns),
      types: strings(types),
      rows: values?.t === 'arr' ? values.items.map((row) => (row.t === 'arr' ? row.items.map(cellOf) : [])) : [],
      time,
    }
  }
  return { kind: 'changed', rowsAffected: numberOf(field(node, 'rows_affected')) ?? 0, lastInsertId: numberOf(field(node, 'last_insert_id')) ?? 0, time }
}

export function cellOf(node: JsonNode): Cell {
  switch (node.t) {
    case 'str':
      return { kind: 'text', text: node.v }
    case 'num':
      return { kind: 'number', text: node.raw }
    case 'bool':
      return { kind: 'bool', value: node.v }
    case 'null':
      return { kind: 'null' }
    default:
      return { kind: 'json', text: jsonText(node) }
  }
}

/** Canonical JSON text of a node, numbers as they came. */
export function jsonText(node: JsonNode): string {
  switch (node.t) {
    case 'str':
      return JSON.stringify(node.v)
    case 'num':
      return node.raw
    case 'bool':
      return String(node.v)
    case 'null':
      return 'null'
    case 'arr':
      return `[${node.items.map(jsonText).join(',')}]`
    case 'obj':
      return `{${node.entries.map(([k, v]) => `${JSON.stringify(k)}:${jsonText(v)}`).join(',')}}`
  }
}

export function field(node: JsonNode, name: string): JsonNode | undefined {
  if (node.t !== 'obj') return undefined
  for (const [key, value] of node.entries) if (key === name) return value
  return undefined
}

function strings(node: JsonNode | undefined): string[] {
  return node?.t === 'arr' ? node.items.map((i) => (i.t === 'str' ? i.v : jsonText(i))) : []
}

function numberOf(node: JsonNode | undefined): number | undefined {
  return node?.t === 'num' ? Number(node.raw) : undefined
}
