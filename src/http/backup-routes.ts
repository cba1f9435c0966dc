/**
 * `/db/backup`, `/db/load` and `/boot` (rqlite's routes; permissions `backup` and `load`).
 *
 * A backup streams from a consistent image of the database while writes go on (pages read a
 * chunk at a time, or a SQL dump a page of rows at a time): never built whole in memory.
 * `vacuum` writes a compacted copy beside the database first and streams that.
 */
import { buildEnvelope, formatResults } from '../api/result-format.ts'
import { hasSqliteMagic, InvalidDatabaseError, SQLITE_MAGIC } from '../db/database-restore.ts'
import type { BackupImage } from '../db/backup-image.ts'
import { LeaderNotFoundError, StoreError } from '../node/store-error.ts'
import type { DataRequest } from './data-routes.ts'
import { forwardToLeader } from './forward-to-leader.ts'
import { imagePageStream } from '../backup/byte-streams.ts'
import { readBodyText } from './read-body.ts'
import { empty, json, textError } from './respond.ts'

/** Pages per read of the image: 64 × 8 KiB = 512 KiB per chunk sent. */
/** A SQL dump is sent in pieces of about this many characters. */
const SQL_PIECE = 256 * 1024
let vacuumCopies = 0

export async function handleBackup(r: DataRequest): Promise<Response> {
  if (r.request.method !== 'GET') return empty(405)
  const format = r.params.backupFormat
  if (r.params.vacuum && format !== 'binary') return textError(400, 'invalid backup format')
  if (!r.params.noleader) {
    const forwarded = await forwardToLeader(r)
    if (forwarded) return forwarded
  }
  let body: ReadableStream<Uint8Array>
  // The length of a binary image is known before it is read. Sent as Content-Length, it makes a
  // transfer that breaks half way (the image abandoned for a snapshot, say) an error for every
  // client: @hono/node-server ends a chunked response cleanly when its body fails, so without it
  // a truncated backup looked whole.
  let length: number | undefined
  if (format === 'sql') body = sqlStream(await openImage(r), r.params.tables)
  else if (r.params.vacuum) body = await vacuumStream(r, format === 'delete')
  else {
    const image = await openImage(r)
    length = image.byteLength
    body = imagePageStream(image, format === 'delete')
  }
  if (r.params.compress) {
    body = body.pipeThrough(new CompressionStream('gzip') as unknown as TransformStream<Uint8Array, Uint8Array>)
    length = undefined
  }
  const type = format === 'sql' && !r.params.compress ? 'application/sql' : 'application/octet-stream'
  const headers: Record<string, string> = { 'Content-Type': type, 'X-RQLITE-SERVED-BY': r.node.options.raftAdvAddr }
  if (length !== undefined) headers['Content-Length'] = String(length)
  return new Response(body, { headers })
}

export async function handleLoad(r: DataRequest): Promise<Response> {
  if (r.request.method !== 'POST') return empty(405)
  const forwarded = await forwardToLeader(r)
  if (forwarded) return forwarded
  const { head, body } = await peek(r.request.body, SQLITE_MAGIC.length)
  if (hasSqliteMagic(head)) {
    return loadOutcome(async () => {
      await r.node.loadDatabase(body)
      return json({ results: [] }, { pretty: r.params.pretty, headers: { 'X-RQLITE-SERVED-BY': r.node.options.raftAdvAddr } })
    })
  }
  const text = await readBodyText(new Request('http://body/', { method: 'POST', body, ...({ duplex: 'half' } as object) }), r.node.options.httpMaxBodyBytes)
  const statements = withoutOwnTransaction(r.node.database.splitStatements(text))
  if (statements.length === 0) return textError(400, 'invalid load data: neither a SQLite file nor SQL statements')
  return loadOutcome(async () => {
    // One transaction: a script that fails anywhere changes nothing.
    const outcome = await r.node.execute(statements.map((sql) => ({ sql, positional: [], named: null })), { transaction: true })
    const failed = outcome.results.find((x) => x.kind === 'error')
    if (failed?.kind === 'error') return textError(400, `invalid SQL, nothing loaded: ${failed.error}`)
    const last = outcome.results.slice(-1)
    return json(buildEnvelope({ results: formatResults(last) }), { pretty: r.params.pretty, headers: { 'X-RQLITE-SERVED-BY': outcome.servedBy ?? r.node.options.raftAdvAddr } })
  })
}

export async function handleBoot(r: DataRequest): Promise<Response> {
  if (r.request.method !== 'POST') return empty(405)
  if (!r.node.isLeader) return textError(503, 'not leader')
  if (r.node.members().length > 1) return textError(503, 'not single-node')
  const { head, body } = await peek(r.request.body, SQLITE_MAGIC.length)
  if (!hasSqliteMagic(head)) {
    await body.cancel()
    return textError(400, 'invalid SQLite data')
  }
  return loadOutcome(async () => {
    await r.node.boot(body)
    return empty(200)
  })
}

async function loadOutcome(run: () => Promise<Response>): Promise<Response> {
  try {
    return await run()
  } catch (e) {
    if (e instanceof InvalidDatabaseError) return textError(400, e.message)
    if (e instanceof LeaderNotFoundError) return textError(503, e.message)
    if (e instanceof StoreError) return textError(e.message === 'not leader' || e.message === 'not single-node' ? 503 : 500, e.message)
    throw e
  }
}

/** A dump's own `BEGIN TRANSACTION;` … `COMMIT;` give way to the load's one transaction. */
function withoutOwnTransaction(statements: string[]): string[] {
  const out = [...statements]
  const first = out.findIndex((s) => !/^pragma\b/i.test(s)) // a dump's PRAGMAs come before its BEGIN
  if (first >= 0 && /^begin(\s+(deferred|immediate|exclusive))?(\s+transaction)?\s*;?$/i.test(out[first])) out.splice(first, 1)
  if (out.length > 0 && /^(commit|end)(\s+transaction)?\s*;?$/i.test(out[out.length - 1])) out.pop()
  return out
}

/** The first `n` bytes of a body (fewer if it is shorter), and the whole body still to read. */
async function peek(stream: ReadableStream<Uint8Array> | null, n: number): Promise<{ head: Uint8Array; body: ReadableStream<Uint8Array> }> {
  if (!stream) return { head: new Uint8Array(0), body: new ReadableStream({ start: (c) => c.close() }) }
  const reader = stream.getReader()
  const seen: Uint8Array[] = []
  let length = 0
  while (length < n) {
    const { done, value } = await reader.read()
    if (done) break
    seen.push(value)
    length += value.length
  }
  const head = new Uint8Array(length)
  let offset = 0
  for (const part of seen) {
    head.set(part, offset)
    offset += part.length
  }
  let replayed = false
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!replayed) {
        replayed = true
        if (head.length > 0) return controller.enqueue(head)
      }
      const { done, value } = await reader.read()
      if (done) controller.close()
      else controller.enqueue(value)
    },
    cancel: (reason) => reader.cancel(reason),
  })
  return { head: head.subarray(0, n), body }
}

async function openImage(r: DataRequest): Promise<BackupImage> {
  const { image } = await r.node.openImage()
  return image
}


function sqlStream(image: BackupImage, tables: readonly string[]): ReadableStream<Uint8Array> {
  const pieces = image.sql(tables)
  const encoder = new TextEncoder()
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        let text = ''
        while (text.length < SQL_PIECE) {
          const { done, value } = await pieces.next()
          if (done) {
            image.close()
            if (text !== '') controller.enqueue(encoder.encode(text))
            return controller.close()
          }
          text += value
        }
        controller.enqueue(encoder.encode(text))
      } catch (e) {
        image.close()
        controller.error(e)
      }
    },
    cancel: () => image.close(),
  })
}

/** A VACUUMed copy written beside the database, streamed from disk and then deleted. */
async function vacuumStream(r: DataRequest, rollback: boolean): Promise<ReadableStream<Uint8Array>> {
  const files = r.node.platform.files
  const path = `${r.node.database.path}-backup-${++vacuumCopies}`
  if (files.exists(path)) files.delete(path)
  await r.node.vacuumInto(path)
  const handle = files.open(path, { create: false, readOnly: true })
  const size = handle.size()
  let offset = 0
  const done = () => {
    handle.close()
    if (files.exists(path)) files.delete(path)
  }
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      try {
        if (offset >= size) {
          done()
          return controller.close()
        }
        const chunk = new Uint8Array(Math.min(1024 * 1024, size - offset))
        handle.read(chunk, offset)
        if (offset === 0 && rollback) chunk.set([1, 1], 18)
        offset += chunk.length
        controller.enqueue(chunk)
      } catch (e) {
        done()
        controller.error(e)
      }
    },
    cancel: done,
  })
}
