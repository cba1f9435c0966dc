/**
 * A progress bar for long transfers (`.backup`, `.restore`, `.dump`, `.boot`): bytes so far, the
 * total when known, and the rate. It draws on standard error only when attached to a terminal,
 * at most ten times a second, so piped use stays quiet.
 */
import type { ShellIo } from './shell-io.ts'

const REDRAW_MS = 100
const BAR = 24

export class ProgressMeter {
  private bytes = 0
  private lastDraw = -Infinity
  private readonly started: number
  private drawn = false

  constructor(
    private readonly io: ShellIo,
    private readonly label: string,
    private readonly total?: number,
  ) {
    this.started = io.now()
  }

  advance(bytes: number): void {
    this.bytes += bytes
    const now = this.io.now()
    if (now - this.lastDraw >= REDRAW_MS) {
      this.lastDraw = now
      this.draw(now)
    }
  }

  /** Draws the final state and ends the line. */
  finish(): void {
    if (!this.io.interactive) return
    this.draw(this.io.now())
    this.io.err('\n')
  }

  /** Wipes the bar (the transfer failed or was cancelled). */
  abandon(): void {
    if (this.drawn) this.io.err('\r\x1b[K')
  }

  private draw(now: number): void {
    if (!this.io.interactive) return
    this.drawn = true
    this.io.err(`\r\x1b[K${formatProgress(this.label, this.bytes, now - this.started, this.total)}`)
  }
}

export function formatProgress(label: string, bytes: number, elapsedMs: number, total?: number): string {
  const rate = elapsedMs > 0 ? (bytes * 1000) / elapsedMs : 0
  const amount = total !== undefined && total > 0 ? `${formatBytes(bytes)} / ${formatBytes(total)}` : formatBytes(bytes)
  const bar = total !== undefined && total > 0 ? `[${'#'.repeat(Math.round((Math.min(bytes, total) / total) * BAR)).padEnd(BAR, '.')}] ${String(Math.floor((Math.min(bytes, total) / total) * 100)).padStart(3)}% ` : ''
  return `${label} ${bar}${amount}  ${formatBytes(rate)}/s`
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let value = n
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return unit === 0 ? `${Math.round(value)} B` : `${value.toFixed(1)} ${units[unit]}`
}
