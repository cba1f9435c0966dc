/**
 * Streams the store's snapshot copy to followers too far behind for the log, resuming after what
 * a broken transfer delivered, and abandoning a transfer whose peer stops reading.
 */
import type { SnapshotStore } from '../cluster/snapshot-store.ts'
import { snapshotFrames } from '../cluster/snapshot-stream.ts'
import { frameMacKey } from '../cluster/snapshot-mac.ts'
import { type StallGuard, stallGuard } from '../cluster/stall-guard.ts'
import { SENDER_HEADER, SNAPSHOT_ENCODING_HEADER, SNAPSHOT_HEADER, encodeWire, toBase64 } from '../cluster/wire.ts'
import type { Message } from '../raft/messages.ts'
import type { NodeContext } from './node-context.ts'

export interface SnapshotSenderContext extends Pick<NodeContext, 'id' | 'options' | 'platform' | 'fetch' | 'driver' | 'emitError' | 'logger'> {
  store: SnapshotStore
  addressOf(id: string): string | undefined
  /** A new snapshot's copy is being made: the store's copy is changing. */
  copying(): boolean
}

export class SnapshotSender {
  readonly #ctx: SnapshotSenderContext
  /** Streams in flight, by follower: the store's copy must not change under them. */
  readonly #streaming = new Map<string, { guard: StallGuard; finished: Promise<void> }>()

  constructor(ctx: SnapshotSenderContext) {
    this.#ctx = ctx
  }

  /** Streams in flight. */
  get active(): number {
    return this.#streaming.size
  }

  /** Streams the store's copy (the snapshot in `m`) to `m.to`, then tells Raft how it went. */
  async send(m: Message): Promise<void> {
    const { id, options, platform, store } = this.#ctx
    const to = m.to
    const addr = this.#ctx.addressOf(to)
    if (this.#streaming.has(to) || !addr || m.type !== 'snapshot' || this.#ctx.copying()) {
      if (!this.#streaming.has(to)) this.#ctx.driver().reportSnapshot(to, false)
      return
    }
    let ok = false
    // Aborted when no bytes move for a while: a peer that stops reading must not keep the
    // follower in #streaming, which holds off every snapshot (and so log compaction).
    const guard = stallGuard(platform.timers, options.snapshotStallTimeoutMs)
    let finish = () => {}
    this.#streaming.set(to, { guard, finished: new Promise<void>((r) => (finish = r)) })
    try {
      const meta = store.readMeta()
      if (!meta || meta.index !== m.snapshot.metadata.index) throw new Error('the snapshot to send is not the one in the store')
      // Resume after what a broken transfer of this same snapshot already delivered.
      const { index, term } = m.snapshot.metadata
      const asked = await this.#ctx.fetch(`http://${addr}/raft/snapshot/offset?index=${index}&term=${term}`, { signal: AbortSignal.timeout(5000) })
      const offset = asked.ok ? Number(((await asked.json()) as { bytes?: unknown }).bytes) || 0 : (await asked.arrayBuffer(), 0)
      const header = toBase64(encodeWire({ message: m, members: meta.members, offset }))
      const log = this.#ctx.logger.for('snapshot')
      const started = platform.clock.monotonic()
      log.info('sending snapshot to a follower', { to, index, term, offset })
      // Under the cluster secret the frames are MAC'd too: the request's signature cannot cover a streamed body.
      const mac = options.clusterSecret ? { key: await frameMacKey(options.clusterSecret), snapshot: `${index}-${term}` } : undefined
      const frames = guard.watch(
        snapshotFrames(platform.files, store.dataPath, offset, options.snapshotChunkBytes, meta.dataCrc32c, (detail) =>
          this.#ctx.emitError(new Error(`the snapshot copy in the store is damaged (${detail}); not sending it as good`)),
          mac,
        ),
      )
      // -compress-snap-transport: the frames (checksums over the file, offsets into it) are
      // gzipped as a whole on the wire, so a resumed transfer resumes as before.
      const compress = options.compressSnapTransport
      const res = await this.#ctx.fetch(`http://${addr}/raft/snapshot`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/octet-stream',
          [SNAPSHOT_HEADER]: header,
          [SENDER_HEADER]: `${id}@${options.raftAdvAddr}`,
          ...(compress ? { [SNAPSHOT_ENCODING_HEADER]: 'gzip' } : {}),
        },
        body: compress ? frames.pipeThrough(gzip()) : frames,
        duplex: 'half',
        signal: guard.signal,
      } as RequestInit)
      guard.progress()
      await res.arrayBuffer()
      ok = res.ok
      if (!ok) this.#ctx.emitError(new Error(`snapshot to ${to} refused: HTTP ${res.status}`))
      else log.info('snapshot sent', { to, index, ms: Math.round(platform.clock.monotonic() - started) })
    } catch (e) {
      this.#ctx.emitError(new Error(`snapshot to ${to} failed: ${e instanceof Error ? e.message : String(e)}`))
    } finally {
      guard.done()
      this.#streaming.delete(to)
      finish()
    }
    this.#ctx.driver().reportSnapshot(to, ok)
  }

  /** Abandons every stream in flight and resolves once they have all let go of the copy. */
  async abortAll(reason: string): Promise<void> {
    const streams = [...this.#streaming.values()]
    for (const s of streams) s.guard.abort(reason)
    await Promise.all(streams.map((s) => s.finished))
  }
}

/** A gzip transform typed for byte streams (the DOM typing takes any BufferSource in). */
function gzip(): ReadableWritablePair<Uint8Array, Uint8Array> {
  return new CompressionStream('gzip') as unknown as ReadableWritablePair<Uint8Array, Uint8Array>
}
