/**
 * The file port on `node:fs` (synchronous calls). Deno and Bun implement `node:fs` too, so their
 * entry points reuse this adapter.
 */
import * as fs from 'node:fs'
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
    fs.mkdirSync(path, { recursive: true })
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

  lock(path: string): () => void {
    const mine = String(process.pid)
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = fs.openSync(path, 'wx', 0o644)
        fs.writeSync(fd, mine)
        fs.closeSync(fd)
        return () => {
          try {
            if (fs.readFileSync(path, 'utf8') === mine) fs.unlinkSync(path)
          } catch {
            // already gone
          }
        }
      } catch (e) {
        if ((e as { code?: string }).code !== 'EEXIST') throw e
        const holder = Number(fs.readFileSync(path, 'utf8'))
        if (holder && holder !== process.pid && isAlive(holder)) throw new LockedError(path, `pid ${holder}`)
        fs.unlinkSync(path) // left behind by a process that died (kill -9): take it over
      }
    }
    throw new LockedError(path, 'could not take the lock')
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    const code = (e as { code?: string }).code
    if (code === 'ESRCH') return false
    if (code === 'EPERM') return true
    // Deno without --allow-run cannot signal: ask /proc (Linux) or, failing that, assume the
    // holder lives; wrongly taking the lock would let two processes write one database.
    try {
      return !fs.existsSync('/proc/self') || fs.existsSync(`/proc/${pid}`)
    } catch {
      return true
    }
  }
}
