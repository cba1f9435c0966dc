/** Samples the resident memory (VmRSS) of processes while workloads run; keeps each one's peak. */
import { readFileSync } from 'node:fs'

export function rssMiB(pid: number): number | undefined {
  try {
    const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1])
    return kb ? kb / 1024 : undefined
  } catch {
    return undefined // gone, or not Linux
  }
}

export class RssSampler {
  readonly #peak = new Map<number, number>()
  /** The highest RSS of any of the processes during each phase the caller named. */
  readonly phasePeaks = new Map<string, number>()
  #phase = 'start'
  readonly #timer: NodeJS.Timeout

  constructor(readonly pids: number[], intervalMs = 250) {
    this.#timer = setInterval(() => this.sample(), intervalMs)
    this.#timer.unref()
    this.sample()
  }

  sample(): void {
    for (const pid of this.pids) {
      const mib = rssMiB(pid)
      if (mib === undefined) continue
      this.#peak.set(pid, Math.max(mib, this.#peak.get(pid) ?? 0))
      this.phasePeaks.set(this.#phase, Math.max(mib, this.phasePeaks.get(this.#phase) ?? 0))
    }
  }

  /** Samples the phase that ends, then counts what follows as `name`. */
  phase(name: string): void {
    this.sample()
    this.#phase = name
  }

  /** The phase in which the highest RSS was seen, with that RSS. */
  highestPhase(): { phase: string; mib: number } | undefined {
    let best: { phase: string; mib: number } | undefined
    for (const [phase, mib] of this.phasePeaks) if (!best || mib > best.mib) best = { phase, mib }
    return best
  }

  /** Stops sampling; the peak RSS of each process, in the order given. */
  stop(): (number | undefined)[] {
    this.sample()
    clearInterval(this.#timer)
    return this.pids.map((pid) => this.#peak.get(pid))
  }
}

/** One row per process: peak RSS during the run. */
export function rssNote(peaks: (number | undefined)[]): string {
  return peaks.map((p, i) => `node ${i + 1}: ${p === undefined ? '?' : p.toFixed(0)}`).join(', ')
}
