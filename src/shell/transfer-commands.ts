/** Dot-commands that move a database in or out: `.backup`, `.dump`, `.restore`, `.boot`. */
import { type DotCommand, sendExpecting, UsageError } from './dot-command.ts'
import { ProgressMeter } from './progress-meter.ts'
import { readResponse } from './result-view.ts'
import type { ShellContext } from './shell-context.ts'

const SQLITE_MAGIC = 'SQLite format 3\u0000'
const UPLOAD_CHUNK = 64 * 1024

export const transferCommands: DotCommand[] = [
  {
    name: 'backup',
    args: 'FILE',
    help: 'Write a backup of the database (a SQLite file) to FILE',
    run: async (ctx, [file, ...extra]) => {
      if (file === undefined || extra.length > 0) throw new UsageError('usage: .backup FILE')
      await download(ctx, 'backup', {}, file)
      await ctx.print('backup file written successfully\n')
    },
  },
  {
    name: 'dump',
    args: 'FILE [TABLE,…]',
    help: 'Write the database (or the tables given) as SQL text to FILE',
    run: async (ctx, [file, tables, ...extra]) => {
      if (file === undefined || extra.length > 0) throw new UsageError('usage: .dump FILE [TABLE,…]')
      await download(ctx, 'dump', { fmt: 'sql', tables }, file)
      await ctx.print('SQL text file written successfully\n')
    },
  },
  {
    name: 'restore',
    args: 'FILE',
    help: 'Load FILE (a SQLite database or SQL text) into the database, replacing what it holds',
    run: async (ctx, [file, ...extra]) => {
      if (file === undefined || extra.length > 0) throw new UsageError('usage: .restore FILE')
      const data = await ctx.io.readFile(file)
      // raftlite refuses bad SQL with 400 and SQLite's message; rqlite answers 200 with the
      // error in the results. Either way it is the restore's error, said as such.
      const res = await upload(ctx, 'restore', 'db/load', data, isSqliteFile(data) ? 'application/octet-stream' : 'text/plain', [200, 400])
      const text = await res.text()
      if (res.status === 400) throw new Error(`restore failed: ${loadError(text)}`)
      if (text.trim() !== '') {
        const response = readResponse(text)
        const error = response.error ?? response.results.find((r) => r.kind === 'error')?.message
        if (error !== undefined) throw new Error(`restore failed: ${error}`)
      }
      await ctx.print('Database restored successfully\n')
    },
  },
  {
    name: 'boot',
    args: 'FILE',
    help: 'Boot a single-node cluster from FILE (a SQLite database), bypassing the Raft log',
    run: async (ctx, [file, ...extra]) => {
      if (file === undefined || extra.length > 0) throw new UsageError('usage: .boot FILE')
      const data = await ctx.io.readFile(file)
      if (!isSqliteFile(data)) throw new Error(`${file} is not a SQLite database`)
      await (await upload(ctx, 'boot', 'boot', data, 'application/octet-stream')).body?.cancel()
      await ctx.print('Node booted successfully\n')
    },
  },
]

/** The message of a refused load: the JSON `error` when the body is JSON, else the text. */
function loadError(text: string): string {
  try {
    const response = readResponse(text)
    return response.error ?? response.results.find((r) => r.kind === 'error')?.message ?? text.trim()
  } catch {
    return text.trim()
  }
}

function isSqliteFile(data: Uint8Array): boolean {
  if (data.length < SQLITE_MAGIC.length) return false
  for (let i = 0; i < SQLITE_MAGIC.length; i++) if (data[i] !== SQLITE_MAGIC.charCodeAt(i)) return false
  return true
}

/** GETs /db/backup into a file, with a progress bar on a terminal. */
async function download(ctx: ShellContext, label: string, query: Record<string, string | undefined>, file: string): Promise<void> {
  const res = await sendExpecting(ctx, { path: 'db/backup', query, noTimeout: true })
  const length = Number(res.headers.get('Content-Length') ?? NaN)
  const meter = new ProgressMeter(ctx.io, label, Number.isFinite(length) ? length : undefined)
  const sink = await ctx.io.createFile(file)
  try {
    if (res.body) {
      const reader = res.body.getReader()
      for (let r = await reader.read(); !r.done; r = await reader.read()) {
        await sink.write(r.value)
        meter.advance(r.value.length)
      }
    }
    meter.finish()
  } catch (e) {
    meter.abandon()
    throw e
  } finally {
    await sink.close()
  }
}

/** POSTs a file in chunks, so a progress bar can follow what the server has taken. */
async function upload(ctx: ShellContext, label: string, path: string, data: Uint8Array, contentType: string, ok = [200]): Promise<Response> {
  let meter = new ProgressMeter(ctx.io, label, data.length)
  const body = () => {
    // A fresh stream (and meter) for each attempt: failover sends the file again.
    meter = new ProgressMeter(ctx.io, label, data.length)
    let offset = 0
    return new ReadableStream<Uint8Array>({
      pull(controller) {
        if (offset >= data.length) return controller.close()
        const chunk = data.subarray(offset, offset + UPLOAD_CHUNK)
        offset += chunk.length
        meter.advance(chunk.length)
        controller.enqueue(chunk)
      },
    })
  }
  try {
    const res = await sendExpecting(ctx, { method: 'POST', path, headers: { 'Content-Type': contentType, 'Content-Length': String(data.length) }, body, noTimeout: true }, ok)
    meter.finish()
    return res
  } catch (e) {
    meter.abandon()
    throw e
  }
}
