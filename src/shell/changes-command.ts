/**
 * `.changes [TABLE,…]`: follows the change stream (`GET /db/changes`, Server-Sent Events) and
 * prints each change as it commits, one line each, until Ctrl-C.
 */
import { type JsonNode, readJson } from '../api/json-reader.ts'
import { type DotCommand, sendExpecting } from './dot-command.ts'
import { visible } from './render-rows.ts'
import { field, jsonText } from './result-view.ts'
import { CancelledError } from './shell-http.ts'
import type { ShellContext } from './shell-context.ts'

// An event never ends for a broken (or hostile) server: bound what is kept waiting for its end.
const MAX_EVENT_CHARS = 16 * 1024 * 1024

export const changesCommand: DotCommand = {
  name: 'changes',
  args: '[TABLE,…]',
  help: 'Follow the change stream (of the tables given) until Ctrl-C',
  run: (ctx, [tables]) => followChanges(ctx, tables),
}

/** `a,b` → an anchored regular expression matching exactly those table names. */
export function tablesPattern(tables: string): string {
  const names = tables.split(',').map((t) => t.trim()).filter(Boolean)
  return `^(${names.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})$`
}

async function followChanges(ctx: ShellContext, tables: string | undefined): Promise<void> {
  let res: Response
  try {
    res = await sendExpecting(ctx, { path: 'db/changes', query: { tables: tables ? tablesPattern(tables) : undefined }, headers: { Accept: 'text/event-stream' }, noTimeout: true })
  } catch (e) {
    if (e instanceof Error && /^server responded with (404|501)/.test(e.message)) throw new Error(`this node has no change stream (${e.message})`)
    throw e
  }
  if (!res.body) return
  if (ctx.io.interactive) ctx.io.err('following changes; Ctrl-C to stop\n')
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader()
  let buffer = ''
  try {
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      buffer += r.value
      if (buffer.length > MAX_EVENT_CHARS) throw new Error(`the change stream sent an event over ${MAX_EVENT_CHARS} characters`)
      // Events end with a blank line; `data:` lines hold the JSON.
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const event = buffer.slice(0, end)
        buffer = buffer.slice(end + 2)
        const data = event
          .split('\n')
          .filter((l) => l.startsWith('data:'))
          .map((l) => l.slice(5).trimStart())
          .join('\n')
        if (data !== '') await ctx.print(describeChanges(data).map(visible))
      }
    }
  } catch (e) {
    // Ctrl-C ends a follow: that is how it is meant to stop, not a failure.
    if (ctx.signal.aborted || e instanceof CancelledError) return
    throw e
  }
}

/** One line per row change: `index op table json`, or the event's JSON as it came. */
export function describeChanges(data: string): string[] {
  let node: JsonNode
  try {
    node = readJson(data)
  } catch {
    return [data]
  }
  const groups = field(node, 'payload')?.t === 'arr' ? (field(node, 'payload') as { items: JsonNode[] }).items : [node]
  const lines: string[] = []
  for (const group of groups) {
    const index = field(group, 'index')
    const events = field(group, 'events')
    if (events?.t !== 'arr') {
      lines.push(jsonText(group))
      continue
    }
    for (const event of events.items) {
      const op = field(event, 'op')
      const table = field(event, 'table')
      const row = field(event, 'after') ?? field(event, 'before')
      lines.push([index ? jsonText(index) : '?', op?.t === 'str' ? op.v : '?', table?.t === 'str' ? table.v : '?', row ? jsonText(row) : ''].join(' ').trimEnd())
    }
  }
  return lines
}
