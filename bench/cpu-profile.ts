/** Summaries of V8 CPU profiles (`--cpu-prof`) for the profiling benches. */
import { ROOT } from '../test/support/raftlited-process.ts'

interface ProfileNode { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }
export interface Profile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] }

const short = (url: string) => url.replace(/^file:\/\//, '').replace(`${ROOT}/`, '') || '(native/VM)'

/** Self time (µs) by function and by source file, and the total sampled. */
export function selfTimes(profile: Profile): { total: number; byFn: Map<string, number>; byFile: Map<string, number> } {
  const self = new Map<number, number>()
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)))
  const total = [...self.values()].reduce((a, b) => a + b, 0)
  const byFn = new Map<string, number>()
  const byFile = new Map<string, number>()
  for (const n of profile.nodes) {
    const t = self.get(n.id) ?? 0
    if (!t) continue
    const fn = `${n.callFrame.functionName || '(anonymous)'} ${short(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`
    byFn.set(fn, (byFn.get(fn) ?? 0) + t)
    byFile.set(short(n.callFrame.url), (byFile.get(short(n.callFrame.url)) ?? 0) + t)
  }
  return { total, byFn, byFile }
}

/** The `n` largest entries of `m`, as shares of `total`, one per line. */
export function topShares(m: Map<string, number>, total: number, n: number): string {
  return [...m].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, v]) => `${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}`).join('\n')
}
