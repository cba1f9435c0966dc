/**
 * A small filesystem for one node's data directory (a tmpfs of a fixed size), and the means to
 * fill it: the disk-full fault. Needs root (mount).
 */
import { execFileSync } from 'node:child_process'
import { closeSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs'
import { join } from 'node:path'

export class SmallDisk {
  #mounted = false

  constructor(
    readonly mountPoint: string,
    readonly bytes: number,
  ) {}

  mount(): void {
    mkdirSync(this.mountPoint, { recursive: true })
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${this.bytes}`, 'tmpfs', this.mountPoint])
    this.#mounted = true
  }

  get filler(): string {
    return join(this.mountPoint, 'filler')
  }

  /** Writes a file until the filesystem refuses (ENOSPC); returns how many bytes it took. */
  fill(): number {
    const fd = openSync(this.filler, 'w')
    const chunk = Buffer.alloc(64 * 1024, 0x5a)
    let written = 0
    try {
      while (true) written += writeSync(fd, chunk)
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e
    } finally {
      closeSync(fd)
    }
    return written
  }

  free(): void {
    rmSync(this.filler, { force: true })
  }

  /** Lazy, so a process still holding a file there cannot keep it mounted; for exit handlers. */
  unmount(): void {
    if (!this.#mounted) return
    this.#mounted = false
    try {
      execFileSync('umount', ['-l', this.mountPoint], { stdio: 'ignore' })
    } catch {
      // already unmounted
    }
  }
}
