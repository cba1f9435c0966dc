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
  readonly #timer: NodeJS.Timeout

  constructor(readonly pids: number[], intervalMs = 250) {
    this.#timer = setInterval(() => this.sample(), intervalMs)
    this.#timer.unref()
    this.sample()
  }

  sample(): void {
    for (const pid of this.pids) {
      const mib = rssMiB(pid)
      if (mib !== undefined) this.#peak.set(pid, Math.max(mib, this.#peak.get(pid) ?? 0))
    }
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
