/** The shape of a dot-command, and helpers the command files share. */
import { readJson } from '../api/json-reader.ts'
import { jsonTree } from './json-tree.ts'
import type { ShellContext } from './shell-context.ts'
import type { ShellRequest } from './shell-http.ts'

export interface DotCommand {
  name: string
  /** Arguments as shown by `.help`, e.g. `FILE [TABLE,…]`. */
  args: string
  help: string
  run(ctx: ShellContext, args: string[]): Promise<void> | void
}

/** Thrown for a dot-command used wrongly; printed as `Error: …` with the usage. */
export class UsageError extends Error {
  override name = 'UsageError'
}

/** Splits a dot-command line into words; single or double quotes keep spaces in a word. */
export function splitWords(line: string): string[] {
  const words: string[] = []
  const re = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g
  for (let m = re.exec(line); m; m = re.exec(line)) words.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : (m[2] ?? m[3]))
  return words
}

export function onOff(value: string | undefined, what: string): boolean {
  if (value === 'on') return true
  if (value === 'off') return false
  throw new UsageError(`${what} takes on or off${value === undefined ? '' : `, not ${JSON.stringify(value)}`}`)
}

/** Sends a request; a status other than the accepted ones becomes the error rqlite's shell prints. */
export async function sendExpecting(ctx: ShellContext, req: Omit<ShellRequest, 'signal'>, ok: number[] = [200]): Promise<Response> {
  const res = await ctx.http.send({ ...req, signal: ctx.signal })
  if (!ok.includes(res.status)) {
    const body = (await res.text()).trim()
    throw new Error(`server responded with ${res.status} ${res.statusText}${body ? `: ${body}` : ''}`)
  }
  return res
}

/** GETs JSON and prints it as a tree. */
export async function printJsonTree(ctx: ShellContext, path: string, query: Record<string, string | undefined> = {}): Promise<void> {
  const res = await sendExpecting(ctx, { path, query })
  const text = await res.text()
  let node
  try {
    node = readJson(text)
  } catch {
    throw new Error(`the server sent something that is not JSON from /${path}`)
  }
  await ctx.print(jsonTree(node))
}
