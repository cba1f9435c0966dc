/**
 * The durable queue of captured change groups, one file under the data directory
 * (`cdc/changes.log`): checksummed records appended as entries are applied, replayed at start.
 * A record is `u32 length | u32 CRC-32C | u8 kind | body` (little-endian); a torn or damaged
 * tail (a crash mid-append) is cut off at start, and the Raft log's replay refills it.
 *
 * Appends are not fsynced one by one: until the node snapshots, the log can regenerate them.
 * `sync()` must run before a snapshot becomes the restart point (see docs/cdc.md). Groups at or
 * below the replicated high-water mark are delivered; they stay `retention` groups longer for
 * change-stream readers. Undelivered groups beyond `capacity` are dropped, oldest first, and
 * counted: the signal of a full queue.
 */
import { crc32c } from '../log/crc32c.ts'
import { type FileHandle, type FilePort, joinPath } from '../ports/file-port.ts'
import type { ChangeGroup } from './change-events.ts'

const GROUP = 1
const HIGH_WATER = 2
/** `from,to`: undelivered changes in (from, to] are missing here (a snapshot was installed). */
const GAP = 3
const HEADER = 9
/** Rewrite the file once this many bytes of it are dead (pruned groups, old marks). */
const REWRITE_DEAD_BYTES = 4 * 1024 * 1024

export interface ChangeQueueOptions {
  capacity: number
  retention: number
  /** Without a webhook nothing waits for delivery: groups are only kept for readers. */
  delivering: boolean
}

export class ChangeQueue {
  readonly #files: FilePort
  readonly #dir: string
  readonly #options: ChangeQueueOptions
  #handle: FileHandle
  #size = 0
  #liveBytes = 0
  readonly #groups: ChangeGroup[] = []
  readonly #bytes = new Map<number, number>()
  #highest = 0
  #highWater = 0
  /** Undelivered changes this node lacks (it installed a snapshot over them); null when none. */
  #gap: { from: number; to: number } | null = null
  /** Newest index of a group dropped: readers asking for older changes cannot be served. */
  #droppedThrough = 0
  /** Events dropped undelivered because the queue was full. */
  droppedEvents = 0
  full = false
  /**
   * A write to the file failed: memory holds the truth, and the next `sync()` rewrites the file
   * whole from it (until then nothing more is appended, so no record follows a torn one).
   */
  writeError: unknown = null
  /** Records cut off at start (a crash mid-append). */
  readonly tornBytes: number

  constructor(files: FilePort, dataDir: string, options: ChangeQueueOptions) {
    this.#files = files
    this.#dir = joinPath(dataDir, 'cdc')
    this.#options = options
    files.mkdirp(this.#dir)
    files.delete(joinPath(this.#dir, 'changes.tmp')) // a rewrite that did not finish: the old file stands
    this.#handle = files.open(this.#path, { create: true })
    this.tornBytes = this.#load()
  }

  /** Newest log index whose group was queued (or delivered). */
  get highest(): number {
    return this.#highest
  }

  /** Newest index the webhook acknowledged, as replicated through the log. */
  get highWater(): number {
    return this.#highWater
  }

  /** Groups not yet delivered. */
  get depth(): number {
    return this.#groups.length - this.#firstAbove(this.#highWater)
  }

  get events(): number {
    return this.#groups.reduce((n, g) => n + g.events.length, 0)
  }

  /** The oldest index a reader can resume after: older groups are gone from this node. */
  get resumableAfter(): number {
    return this.#droppedThrough
  }

  /** Queues a group; one at or below the newest seen is a replay and is ignored. */
  append(group: ChangeGroup): boolean {
    if (group.index <= this.#highest) return false
    this.#highest = group.index
    this.#groups.push(group)
    this.#bytes.set(group.index, this.#write(GROUP, groupBody(group)))
    this.#trim()
    return true
  }

  /** The high-water mark replicated through the log: everything at or below it was delivered. */
  setHighWater(index: number): void {
    if (index <= this.#highWater) return
    this.#highWater = index
    this.#highest = Math.max(this.#highest, index)
    this.#write(HIGH_WATER, new TextEncoder().encode(String(index)))
    if (this.#gap && index >= this.#gap.to) this.#gap = null // delivered by another leader
    else if (this.#gap && index > this.#gap.from) this.#gap = { from: index, to: this.#gap.to }
    this.#trim()
  }

  /**
   * A snapshot installed from the leader jumped this node to `index`: the entries it covers were
   * never applied here, so their changes are not in this queue. Readers asking for them are
   * refused (410) instead of skipping them silently. Returns how many indexes are missing.
   */
  skipTo(index: number): number {
    if (index <= this.#highest) return 0
    const missing = index - this.#highest
    const from = Math.max(this.#highest, this.#highWater)
    this.#highest = index
    this.#droppedThrough = Math.max(this.#droppedThrough, index)
    this.#write(HIGH_WATER, new TextEncoder().encode(`-${index}`))
    // Only undelivered changes matter; the range grows if a second snapshot lands before a fill.
    if (index > this.#highWater) {
      this.#gap = { from: this.#gap ? Math.min(this.#gap.from, from) : from, to: index }
      this.#write(GAP, new TextEncoder().encode(`${this.#gap.from},${index}`))
    }
    return missing
  }

  /** The undelivered changes this node lacks, to fetch from a peer (see `fill`). */
  get gap(): { from: number; to: number } | null {
    return this.#gap
  }

  /**
   * The missing groups, fetched from a peer that has all of (from, to]: inserted in index
   * order, and the gap closed. Delivery waits at the gap until then.
   */
  fill(groups: readonly ChangeGroup[], through: number): void {
    const gap = this.#gap
    if (!gap) return
    for (const g of groups) {
      if (g.index <= gap.from || g.index > gap.to || g.index <= this.#highWater) continue
      const at = this.#firstAbove(g.index - 1)
      if (this.#groups[at]?.index === g.index) continue
      this.#groups.splice(at, 0, g)
      this.#bytes.set(g.index, this.#write(GROUP, groupBody(g)))
    }
    if (through >= gap.to) {
      this.#gap = null
      this.#write(GAP, new TextEncoder().encode('0,0'))
    } else {
      this.#gap = { from: Math.max(gap.from, through), to: gap.to }
      this.#write(GAP, new TextEncoder().encode(`${this.#gap.from},${gap.to}`))
    }
    this.#trim()
  }

  /** Undelivered groups after `after`, up to `maxEvents` events (at least one group). */
  pending(after: number, maxEvents: number): ChangeGroup[] {
    const out: ChangeGroup[] = []
    let events = 0
    for (let i = this.#firstAbove(Math.max(after, this.#highWater)); i < this.#groups.length; i++) {
      const g = this.#groups[i]
      if (this.#gap && g.index > this.#gap.from) break // in order: nothing past changes still missing
      if (out.length > 0 && events + g.events.length > maxEvents) break
      out.push(g)
      events += g.events.length
    }
    return out
  }

  /** Groups after `after` (delivered or not), for readers of the change stream. */
  after(after: number, limit: number): ChangeGroup[] {
    const start = this.#firstAbove(after)
    return this.#groups.slice(start, start + limit)
  }

  /** Makes every append durable; throws if it cannot (nothing that depends on it may go on). */
  sync(): void {
    if (this.writeError !== null) this.#rewrite()
    else this.#handle.sync()
  }

  close(): void {
    try {
      this.sync()
    } finally {
      this.#handle.close()
    }
  }

  get #path(): string {
    return joinPath(this.#dir, 'changes.log')
  }

  #firstAbove(index: number): number {
    let lo = 0
    let hi = this.#groups.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (this.#groups[mid].index <= index) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  #trim(): void {
    const delivered = this.#firstAbove(this.#options.delivering ? this.#highWater : Infinity)
    let drop = Math.max(0, delivered - this.#options.retention)
    const undelivered = this.#groups.length - delivered
    const over = this.#options.delivering ? undelivered - this.#options.capacity : 0
    this.full = over > 0 || (this.full && undelivered >= this.#options.capacity)
    if (over > 0) {
      // Full: the oldest undelivered groups go too, counted; delivery skips past them.
      drop = delivered + over
      for (let i = delivered; i < drop; i++) this.droppedEvents += this.#groups[i].events.length
    }
    if (drop === 0) return
    const gone = this.#groups.splice(0, drop)
    for (const g of gone) {
      this.#liveBytes -= this.#bytes.get(g.index) ?? 0
      this.#bytes.delete(g.index)
    }
    this.#droppedThrough = Math.max(this.#droppedThrough, gone[gone.length - 1].index)
    if (over > 0) this.setHighWater(this.#droppedThrough)
    if (this.writeError === null && this.#size - this.#liveBytes > REWRITE_DEAD_BYTES && this.#size > 2 * this.#liveBytes) this.#tryRewrite()
  }

  #write(kind: number, body: Uint8Array): number {
    const record = frame(kind, body)
    if (this.writeError !== null) return 0
    try {
      this.#handle.write(record, this.#size)
    } catch (e) {
      this.writeError = e
      return 0
    }
    this.#size += record.length
    if (kind === GROUP) this.#liveBytes += record.length
    return record.length
  }

  /** Compaction is an optimisation: a failure leaves the old file, complete, in place. */
  #tryRewrite(): void {
    try {
      this.#rewrite()
    } catch {
      // retried at the next trim; the old file still holds everything
    }
  }

  /**
   * Writes the live groups and the marks to a new file, durably, and renames it into place. The
   * old file stays open and complete until the new one is named, so a failure anywhere changes
   * nothing on disk that matters (a stray `changes.tmp` is deleted at start).
   */
  #rewrite(): void {
    const tmp = joinPath(this.#dir, 'changes.tmp')
    const out = this.#files.open(tmp, { create: true })
    let size = 0
    let live = 0
    const put = (record: Uint8Array) => {
      out.write(record, size)
      size += record.length
    }
    try {
      out.truncate(0)
      put(frame(HIGH_WATER, new TextEncoder().encode(String(this.#highWater))))
      put(frame(HIGH_WATER, new TextEncoder().encode(`-${this.#droppedThrough}`)))
      if (this.#gap) put(frame(GAP, new TextEncoder().encode(`${this.#gap.from},${this.#gap.to}`)))
      for (const g of this.#groups) {
        const record = frame(GROUP, groupBody(g))
        put(record)
        this.#bytes.set(g.index, record.length)
        live += record.length
      }
      out.sync()
    } finally {
      out.close()
    }
    this.#files.rename(tmp, this.#path)
    this.#files.syncDirectory(this.#dir)
    const old = this.#handle
    this.#handle = this.#files.open(this.#path, { create: false })
    old.close()
    this.#size = size
    this.#liveBytes = live
    this.writeError = null
  }

  /** Replays the file; returns the bytes of a damaged tail, which is cut off. */
  #load(): number {
    const size = this.#handle.size()
    const data = new Uint8Array(size)
    this.#handle.read(data, 0)
    const view = new DataView(data.buffer)
    const decoder = new TextDecoder('utf-8', { fatal: true })
    let at = 0
    while (at + HEADER <= size) {
      const length = view.getUint32(at, true)
      const end = at + HEADER + length
      if (end > size || crc32c(data, 0, at + 8, end) !== view.getUint32(at + 4, true)) break
      const kind = data[at + 8]
      let text: string
      try {
        text = decoder.decode(data.subarray(at + HEADER, end))
      } catch {
        break
      }
      if (kind === GROUP) this.#loadGroup(text, end - at)
      else if (kind === HIGH_WATER) this.#loadMark(text)
      else if (kind === GAP) this.#loadGap(text)
      else break
      at = end
    }
    this.#size = at
    // Filled groups were appended after newer ones: order them.
    this.#groups.sort((a, b) => a.index - b.index)
    if (this.#gap && this.#highWater >= this.#gap.to) this.#gap = null
    if (at < size) {
      this.#handle.truncate(at)
      this.#handle.sync()
    }
    this.#trim()
    return size - at
  }

  #loadGroup(text: string, bytes: number): void {
    const [index, timestampMs, events] = JSON.parse(text) as [number, number, [string, string][]]
    if (this.#bytes.has(index)) return
    this.#highest = Math.max(this.#highest, index)
    this.#groups.push({ index, timestampMs, events: events.map(([table, json]) => ({ table, json })) })
    this.#bytes.set(index, bytes)
    this.#liveBytes += bytes
  }

  #loadGap(text: string): void {
    const [from, to] = text.split(',').map(Number)
    this.#gap = to > 0 ? { from, to } : null
  }

  #loadMark(text: string): void {
    const n = Number(text)
    if (n < 0) {
      this.#droppedThrough = Math.max(this.#droppedThrough, -n)
      this.#highest = Math.max(this.#highest, -n)
    } else {
      this.#highWater = Math.max(this.#highWater, n)
      this.#highest = Math.max(this.#highest, n)
    }
  }
}

function groupBody(g: ChangeGroup): Uint8Array {
  return new TextEncoder().encode(JSON.stringify([g.index, g.timestampMs, g.events.map((e) => [e.table, e.json])]))
}

function frame(kind: number, body: Uint8Array): Uint8Array {
  const record = new Uint8Array(HEADER + body.length)
  const view = new DataView(record.buffer)
  view.setUint32(0, body.length, true)
  record[8] = kind
  record.set(body, HEADER)
  view.setUint32(4, crc32c(record, 0, 8, record.length), true)
  return record
}
