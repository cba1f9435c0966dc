/**
 * The file port on `node:fs` (synchronous calls). Deno and Bun implement `node:fs` too, so their
 * entry points reuse this adapter.
 */
import * as fs from 'node:fs'
import nodePath from 'node:path'
import { type FileHandle, type FilePort, FileNotFoundError, LockedError } from '../../src/ports/file-port.ts'

class NodeFileHandle implements FileHandle {
  constructor(private readonly fd: number) {}

  read(target: Uint8Array, position: number): number {
    let done = 0
    while (done < target.length) {
      const n = fs.readSync(this.fd, target, done, target.length - done, position + done)
      if (n === 0) break
      done += n
    }
    return done
  }

  write(source: Uint8Array, position: number): void {
    let done = 0
    while (done < source.length) done += fs.writeSync(this.fd, source, done, source.length - done, position + done)
  }

  truncate(size: number): void {
    fs.ftruncateSync(this.fd, size)
  }

  sync(): void {
    fs.fdatasyncSync(this.fd)
  }

  /** On libuv's thread pool: the event loop runs on while the disk works. */
  syncAsync(): Promise<void> {
    return new Promise((resolve, reject) => fs.fdatasync(this.fd, (e) => (e ? reject(e) : resolve())))
  }

  size(): number {
    return fs.fstatSync(this.fd).size
  }

  modifiedAt(): number {
    return fs.fstatSync(this.fd).mtimeMs
  }

  close(): void {
    fs.closeSync(this.fd)
  }
}

function isMissing(e: unknown): boolean {
  return (e as { code?: string }).code === 'ENOENT'
}

export class NodeFilePort implements FilePort {
  /** The Raft log grows 256 KiB ahead: fdatasync 121 → 83 µs on ext4 here (docs/log-format.md). */
  readonly preallocateBytes = 256 * 1024

  open(path: string, options: { create: boolean; readOnly?: boolean }): FileHandle {
    const flags = options.readOnly ? 'r' : options.create ? fs.constants.O_RDWR | fs.constants.O_CREAT : 'r+'
    try {
      return new NodeFileHandle(fs.openSync(path, flags, 0o644))
    } catch (e) {
      if (isMissing(e)) throw new FileNotFoundError(path)
      throw e
    }
  }

  exists(path: string): boolean {
    return fs.existsSync(path)
  }

  delete(path: string): void {
    try {
      fs.unlinkSync(path)
    } catch (e) {
      if (!isMissing(e)) throw e
    }
  }

  rename(from: string, to: string): void {
    fs.renameSync(from, to)
  }

  mkdirp(path: string): void {
    const first = fs.mkdirSync(path, { recursive: true }) // the first directory it created, if any
    if (first === undefined) return
    // New directory entries last only once their parents are fsynced: each created one's parent.
    const top = nodePath.resolve(first)
    for (let dir = nodePath.resolve(path); ; dir = nodePath.dirname(dir)) {
      this.syncDirectory(nodePath.dirname(dir))
      if (dir === top || dir === nodePath.dirname(dir)) break
    }
  }

  list(path: string): string[] {
    try {
      return fs.readdirSync(path).sort()
    } catch (e) {
      if (isMissing(e)) return []
      throw e
    }
  }

  syncDirectory(path: string): void {
    const fd = fs.openSync(path, 'r')
    try {
      fs.fsyncSync(fd)
    } finally {
      fs.closeSync(fd)
    }
  }

  /** On libuv's thread pool, as `NodeFileHandle.syncAsync`. */
  syncDirectoryAsync(path: string): Promise<void> {
    return new Promise((resolve, reject) => {
      fs.open(path, 'r', (e, fd) => {
        if (e) return reject(e)
        fs.fsync(fd, (syncError) =>
          fs.close(fd, (closeError) => {
            const error = syncError ?? closeError
            if (error) reject(error)
            else resolve()
          })
        )
      })
    })
  }

  /**
   * A pid file, taken over when its holder is dead. Where liveness cannot be checked (Deno
   * without --allow-run cannot signal or read /proc), the holder's heartbeat decides: it
   * touches the file every 2 s, and one untouched for 10 s belonged to a process that died.
   */
  lock(path: string): () => void {
    const mine = String(process.pid)
    const giveUpAt = Date.now() + 15_000
    let firstSeen: number | undefined
    for (;;) {
      try {
        const fd = fs.openSync(path, 'wx', 0o644)
        fs.writeSync(fd, mine)
        fs.closeSync(fd)
        const heartbeat = setInterval(() => {
          try {
            const now = new Date()
            fs.utimesSync(path, now, now)
          } catch {
            // the next beat will try again
          }
        }, LOCK_HEARTBEAT_MS)
        return () => {
          clearInterval(heartbeat)
          try {
            if (fs.readFileSync(path, 'utf8') === mine) fs.unlinkSync(path)
          } catch {
            // already gone
          }
        }
      } catch (e) {
        if ((e as { code?: string }).code !== 'EEXIST') throw e
      }
      const holder = Number(fs.readFileSync(path, 'utf8'))
      const alive = holder === process.pid ? 'dead' : liveness(holder)
      if (alive === 'alive') throw new LockedError(path, `pid ${holder}`)
      if (alive === 'unknown') {
        const touched = fs.statSync(path).mtimeMs
        if (firstSeen !== undefined && touched > firstSeen) throw new LockedError(path, `pid ${holder}`) // its heartbeat moved
        firstSeen ??= touched
        if (Date.now() - touched < LOCK_STALE_MS) {
          if (Date.now() > giveUpAt) throw new LockedError(path, `pid ${holder}, whose liveness this runtime may not check (Deno: --allow-run)`)
          sleepSync(250)
          continue
        }
      }
      fs.unlinkSync(path) // left behind by a process that died (kill -9): take it over
    }
  }

}

const LOCK_HEARTBEAT_MS = 2000
const LOCK_STALE_MS = 10_000

/** Whether `pid` runs, as far as this runtime's permissions let us tell. */
function liveness(pid: number): 'alive' | 'dead' | 'unknown' {
  if (!pid) return 'dead'
  // Linux: /proc tells a zombie (killed, not yet reaped, holding nothing) from a live process.
  try {
    if (fs.existsSync('/proc/self/status')) {
      const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8')
      return /^State:\s+[ZX]/m.test(status) ? 'dead' : 'alive'
    }
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT') return 'dead'
    // Deno needs full permissions to read /proc: try signalling instead.
  }
  try {
    process.kill(pid, 0)
    return 'alive'
  } catch (e) {
    const code = (e as { code?: string }).code
    if (code === 'ESRCH') return 'dead'
    if (code === 'EPERM' && !isPermissionError(e)) return 'alive' // someone else's live process
    return 'unknown'
  }
}

/** Deno's refusals (NotCapable, PermissionDenied) are not the OS's EPERM. */
function isPermissionError(e: unknown): boolean {
  const name = (e as { name?: string }).name ?? ''
  return name === 'NotCapable' || name === 'PermissionDenied'
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
}
