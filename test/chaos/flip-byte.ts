/** Bit rot for the chaos harness: one byte of a node's file inverted, its mtime kept. */
import { execFileSync } from 'node:child_process'
import { closeSync, existsSync, openSync, readdirSync, readSync, statSync, writeSync } from 'node:fs'
import { join } from 'node:path'

export type RotTarget = 'log' | 'snapshot' | 'db'

/** The file of `dataDir` that `target` names: the newest log segment, the snapshot copy, the database. */
export function rotFile(dataDir: string, target: RotTarget): string | undefined {
  if (target === 'snapshot') return existing(join(dataDir, 'snapshot', 'data.db'))
  if (target === 'db') return existing(join(dataDir, 'db.sqlite'))
  const raft = join(dataDir, 'raft')
  if (!existsSync(raft)) return undefined
  const segments = readdirSync(raft).filter((name) => name.endsWith('.seg')).sort()
  return segments.length ? join(raft, segments[segments.length - 1]!) : undefined
}

/** Inverts the byte at `where` (a fraction of the file's length); says what it did. */
export function flipByte(dataDir: string, target: RotTarget, where: number): string {
  const file = rotFile(dataDir, target)
  if (!file) return `no ${target} file to corrupt`
  const { size, mtimeNs } = statSync(file, { bigint: true }) as unknown as { size: bigint; mtimeNs: bigint }
  if (size === 0n) return `${file} is empty`
  const offset = Math.min(Number(size) - 1, Math.floor(where * Number(size)))
  const fd = openSync(file, 'r+')
  try {
    const byte = Buffer.alloc(1)
    readSync(fd, byte, 0, 1, offset)
    byte[0] = byte[0]! ^ 0xff
    writeSync(fd, byte, 0, 1, offset)
  } finally {
    closeSync(fd)
  }
  // To the nanosecond (utimes through a Date or a double would move it, and the node compares
  // its database's mtime to the snapshot's fingerprint): touch takes @seconds.nanoseconds.
  const seconds = mtimeNs / 1_000_000_000n
  const nanos = (mtimeNs % 1_000_000_000n).toString().padStart(9, '0')
  execFileSync('touch', ['-m', '-d', `@${seconds}.${nanos}`, file])
  return `flipped byte ${offset} of ${size} in ${file.slice(dataDir.length + 1)}`
}

function existing(path: string): string | undefined {
  return existsSync(path) ? path : undefined
}
