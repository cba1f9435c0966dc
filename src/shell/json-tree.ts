/** JSON (`/status`, `/nodes`, `/debug/vars`) as an indented `key: value` tree, the way rqlite's shell shows it. */
import type { JsonNode } from '../api/json-reader.ts'
import { visible } from './render-rows.ts'
import { jsonText } from './result-view.ts'

export function jsonTree(node: JsonNode, indent = 0): string[] {
  const pad = '  '.repeat(indent)
  if (node.t === 'obj') {
    const out: string[] = []
    for (const [key, value] of [...node.entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      if (isNested(value)) {
        out.push(`${pad}${visible(key)}:`)
        out.push(...jsonTree(value, indent + 1))
      } else out.push(`${pad}${visible(key)}: ${scalar(value)}`)
    }
    return out
  }
  if (node.t === 'arr') {
    const out: string[] = []
    for (const item of node.items) {
      if (isNested(item)) {
        const lines = jsonTree(item, indent + 1)
        // The first line of a nested item sits after its dash.
        out.push(`${pad}- ${lines[0].trimStart()}`, ...lines.slice(1))
      } else out.push(`${pad}- ${scalar(item)}`)
    }
    return out
  }
  return [`${pad}${scalar(node)}`]
}

function isNested(node: JsonNode): boolean {
  return (node.t === 'obj' && node.entries.length > 0) || (node.t === 'arr' && node.items.length > 0)
}

function scalar(node: JsonNode): string {
  if (node.t === 'str') return visible(node.v)
  if (node.t === 'obj') return '{}'
  if (node.t === 'arr') return '[]'
  return jsonText(node)
}
