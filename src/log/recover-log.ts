/**
 * Opening the log: read the state file, scan every segment, cut a torn tail, drop leftovers of
 * interrupted snapshot installs and compactions, and refuse (LogCorruptionError) anything else.
 */
import { type FilePort, joinPath } from '../ports/file-port.ts'
import { LogCorruptionError } from './log-corruption-error.ts'
import { isZero, scanSegment, SECTOR_BYTES } from './scan-segment.ts'
import { Segment } from './segment.ts'
import { decodeSegmentHeader, parseSegmentName, SEGMENT_HEADER_BYTES } from './segment-header.ts'
import {
  initialLogState,
  type LogState,
  readLogState,
  STATE_FILE,
  STATE_TEMP_FILE,
  writeLogState,
} from './state-file.ts'

export interface RecoveredLog {
  readonly state: LogState
  /** Segments of the current epoch in index order; never empty. */
  readonly segments: Segment[]
  /** Terms of entries base.index + 1 … last. */
  readonly terms: number[]
  /** Largest commit seen in the state file or any commit record. */
  readonly commit: number
}

export function recoverLog(files: FilePort, dir: string, log: (message: string) => void): RecoveredLog {
  files.mkdirp(dir)
  const names = files.list(dir)
  if (names.includes(STATE_TEMP_FILE)) {
    files.delete(joinPath(dir, STATE_TEMP_FILE)) // a state write the crash interrupted
    log(`${dir}: removed an unfinished ${STATE_TEMP_FILE}`)
  }
  const segmentNames = names.filter((n) => parseSegmentName(n) !== undefined)
  const statePath = joinPath(dir, STATE_FILE)
  let state: LogState
  if (names.includes(STATE_FILE)) {
    state = readLogState(files, statePath)
  } else if (segmentNames.length > 0) {
    throw new LogCorruptionError(statePath, 0, `no state file, yet ${segmentNames.length} segment files exist`)
  } else {
    state = initialLogState()
    writeLogState(files, dir, state)
  }

  const segments: Segment[] = []
  const terms: number[][] = []
  const deletions: string[] = []
  let commit = state.commit
  try {
    segmentNames.forEach((name, i) => {
      const path = joinPath(dir, name)
      const isLast = i === segmentNames.length - 1
      const handle = files.open(path, { create: false })
      const buf = new Uint8Array(handle.size())
      handle.read(buf, 0)
      const header = decodeSegmentHeader(buf)
      if (typeof header === 'string') {
        handle.close()
        // The newest file may have been created just before the crash, its header unsynced: the
        // file is zero, or its first sector is (lost while later ones landed). Every sync of a
        // segment covers its header, so such a segment was never synced.
        const headerLost = isZero(buf, 0, buf.length) || (buf.length >= SECTOR_BYTES && isZero(buf, 0, SECTOR_BYTES))
        if (isLast && (buf.length < SEGMENT_HEADER_BYTES || headerLost)) {
          log(`${path}: removed a segment whose header was never written (${header})`)
          deletions.push(path)
          return
        }
        throw new LogCorruptionError(path, 0, header)
      }
      if (header.firstIndex !== parseSegmentName(name)) {
        handle.close()
        throw new LogCorruptionError(path, 8, `a header for first index ${header.firstIndex}, not the one in its name`)
      }
      if (header.epoch < state.epoch) {
        handle.close() // the log before an installed snapshot, not yet deleted when the node stopped
        log(`${path}: removed a segment from before the installed snapshot (epoch ${header.epoch})`)
        deletions.push(path)
        return
      }
      if (header.epoch > state.epoch) {
        handle.close()
        throw new LogCorruptionError(path, 24, `epoch ${header.epoch}, newer than the state file's ${state.epoch}`)
      }
      const segment = new Segment(path, header, handle, buf.length)
      segments.push(segment)
      const scan = scanSegment(buf, path, header, isLast)
      segment.offsets.push(...scan.offsets)
      segment.sizes.push(...scan.sizes)
      terms.push(scan.terms)
      commit = Math.max(commit, scan.commit)
      if (scan.torn !== undefined) log(`${path}: truncated a torn tail at byte ${scan.end} of ${buf.length}: ${scan.torn}`)
      // A torn tail, or an end mark and the zeros preallocated after it: the file ends at the records.
      if (scan.end < buf.length) {
        handle.truncate(scan.end)
        handle.sync()
        segment.size = scan.end
        segment.allocated = scan.end
      }
    })
    // Segments wholly below the compaction point: the state file moved past them before the
    // crash (and an interrupted deletion may have left gaps among them, which do not matter).
    while (segments.length > 1 && segments[1].firstIndex <= state.base.index + 1) {
      const old = segments.shift()!
      terms.shift()
      old.handle.close()
      log(`${old.path}: removed a compacted segment`)
      deletions.push(old.path)
    }
    checkChain(segments, terms, state)
  } catch (e) {
    for (const s of segments) s.handle.close()
    throw e
  }

  for (const path of deletions) files.delete(path)
  if (deletions.length > 0) files.syncDirectory(dir)

  if (segments.length === 0) {
    const { index, term } = state.base
    const segment = Segment.create(files, dir, { firstIndex: index + 1, prevTerm: term, epoch: state.epoch })
    segment.handle.sync()
    files.syncDirectory(dir)
    return { state, segments: [segment], terms: [], commit }
  }
  const all = terms.flat()
  const skip = state.base.index + 1 - segments[0].firstIndex
  return { state, segments, terms: all.slice(skip), commit }
}

/** Segments must continue one another and cover the log from the compaction point on. */
function checkChain(segments: Segment[], terms: number[][], state: LogState): void {
  const lastTerm = (k: number) => terms[k].length > 0 ? terms[k][terms[k].length - 1] : segments[k].header.prevTerm
  for (let k = 1; k < segments.length; k++) {
    const prev = segments[k - 1]
    const seg = segments[k]
    if (seg.firstIndex !== prev.lastIndex + 1) {
      const what = seg.firstIndex > prev.lastIndex + 1
        ? `entries ${prev.lastIndex + 1}…${seg.firstIndex - 1} are missing (a segment file is gone)`
        : `it overlaps the previous segment, which ends at entry ${prev.lastIndex}`
      throw new LogCorruptionError(seg.path, 0, `a segment starting at entry ${seg.firstIndex}, but ${what}`)
    }
    if (seg.header.prevTerm !== lastTerm(k - 1)) {
      throw new LogCorruptionError(
        seg.path,
        16,
        `previous term ${seg.header.prevTerm}, but entry ${prev.lastIndex} has term ${lastTerm(k - 1)}`,
      )
    }
  }
  if (segments.length === 0) return
  const first = segments[0]
  const last = segments[segments.length - 1]
  const base = state.base
  if (first.firstIndex > base.index + 1) {
    throw new LogCorruptionError(
      first.path,
      0,
      `a first segment starting at entry ${first.firstIndex}, but entries ${base.index + 1}…${first.firstIndex - 1} ` +
        'are missing (a segment file is gone)',
    )
  }
  if (last.lastIndex < base.index) {
    throw new LogCorruptionError(
      last.path,
      last.size,
      `a log ending at entry ${last.lastIndex}, before the compaction point ${base.index} in the state file`,
    )
  }
  const atBase = first.firstIndex === base.index + 1
  const baseTerm = atBase ? first.header.prevTerm : terms.flat()[base.index - first.firstIndex]
  if (baseTerm !== base.term) {
    const holder = atBase ? first : segments.find((s) => s.lastIndex >= base.index) ?? first
    throw new LogCorruptionError(
      holder.path,
      atBase ? 16 : holder.offsets[base.index - holder.firstIndex],
      `term ${baseTerm} for entry ${base.index}, but the state file compacted it at term ${base.term}`,
    )
  }
}
