/** Result rows as text, in the shell's output modes (`.mode`). */
import type { Cell } from './result-view.ts'

export const OUTPUT_MODES = ['column', 'csv', 'json', 'line', 'markdown'] as const
export type OutputMode = (typeof OUTPUT_MODES)[number]

export interface Rows {
  columns: string[]
  rows: Cell[][]
}

/** The rows as lines of text (without trailing newlines). */
export function renderRows(mode: OutputMode, data: Rows): string[] {
  switch (mode) {
    case 'column':
      return boxed(data)
    case 'csv':
      return csv(data)
    case 'json':
      return json(data)
    case 'line':
      return lineMode(data)
    case 'markdown':
      return markdown(data)
  }
}

/** How a cell reads in a table: NULL spelled out, as sqlite3 and rqlite do. */
export function cellText(cell: Cell | undefined): string {
  if (cell === undefined) return 'NULL'
  switch (cell.kind) {
    case 'text':
    case 'number':
    case 'json':
      return cell.text
    case 'bool':
      return String(cell.value)
    case 'null':
      return 'NULL'
  }
}

/**
 * Text from the server made safe for a terminal: control characters shown escaped, so a value
 * (or an error message, or a status field) cannot move the cursor, clear the screen or break
 * a table.
 */
export function visible(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f]/g, (c) => (c === '\n' ? '\\n' : c === '\t' ? '\\t' : c === '\r' ? '\\r' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`))
}

function width(text: string): number {
  return [...text].length
}

function pad(text: string, to: number): string {
  return text + ' '.repeat(Math.max(0, to - width(text)))
}

function table(data: Rows): { header: string[]; body: string[][]; widths: number[] } {
  const header = data.columns.map(visible)
  const body = data.rows.map((row) => data.columns.map((_, i) => visible(cellText(row[i]))))
  const widths = header.map((h, i) => Math.max(width(h), ...body.map((r) => width(r[i]))))
  return { header, body, widths }
}

// rqlite's look: +----+ rules around a header and the rows.
function boxed(data: Rows): string[] {
  const { header, body, widths } = table(data)
  const rule = `+${widths.map((w) => '-'.repeat(w + 2)).join('+')}+`
  const line = (cells: string[]) => `| ${cells.map((c, i) => pad(c, widths[i])).join(' | ')} |`
  return [rule, line(header), rule, ...body.map(line), ...(body.length > 0 ? [rule] : [])]
}

function markdown(data: Rows): string[] {
  const { header, body, widths } = table(data)
  const esc = (c: string) => c.replace(/\|/g, '\\|')
  const w = widths.map((x, i) => Math.max(x, 3, ...[header[i], ...body.map((r) => r[i])].map((c) => width(esc(c)))))
  const line = (cells: string[]) => `| ${cells.map((c, i) => pad(esc(c), w[i])).join(' | ')} |`
  return [line(header), `|${w.map((x) => '-'.repeat(x + 2)).join('|')}|`, ...body.map(line)]
}

function csvField(text: string): string {
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replace(/"/g, '""')}"` : text
}

function csv(data: Rows): string[] {
  const value = (cell: Cell | undefined) => (cell === undefined || cell.kind === 'null' ? '' : csvField(cellText(cell)))
  return [data.columns.map(csvField).join(','), ...data.rows.map((row) => data.columns.map((_, i) => value(row[i])).join(','))]
}

function jsonValue(cell: Cell | undefined): string {
  if (cell === undefined) return 'null'
  switch (cell.kind) {
    case 'text':
      return JSON.stringify(cell.text)
    case 'number':
    case 'json':
      return cell.text
    case 'bool':
      return String(cell.value)
    case 'null':
      return 'null'
  }
}

// sqlite3's json mode: one array, an object per row.
function json(data: Rows): string[] {
  if (data.rows.length === 0) return ['[]']
  const objects = data.rows.map((row) => `{${data.columns.map((c, i) => `${JSON.stringify(c)}:${jsonValue(row[i])}`).join(',')}}`)
  return objects.map((o, i) => `${i === 0 ? '[' : ''}${o}${i === objects.length - 1 ? ']' : ','}`)
}

// sqlite3's line mode: `name = value`, names right-aligned, a blank line between rows.
function lineMode(data: Rows): string[] {
  const w = Math.max(0, ...data.columns.map((c) => width(visible(c))))
  const out: string[] = []
  data.rows.forEach((row, r) => {
    if (r > 0) out.push('')
    data.columns.forEach((c, i) => out.push(`${' '.repeat(w - width(visible(c)))}${visible(c)} = ${visible(cellText(row[i]))}`))
  })
  return out
}
