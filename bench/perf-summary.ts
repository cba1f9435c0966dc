/**
 * Summaries of `perf record -e cpu-clock -g` samples of a Node process (the `perf` mode of
 * bench/profile-write.ts). Unlike `--cpu-prof`, which samples a thread's wall clock and so
 * charges it for time it spent descheduled (a socket write that woke the peer thread, say), a
 * `cpu-clock` sample is taken only while a thread runs: shares here are shares of CPU used.
 * JS frames are named when the process runs with `--perf-basic-prof-only-functions`. Those names
 * can be stale: V8 reuses the addresses of collected code and perf's map keeps every name an
 * address ever had (one run showed cbor-x's `encode` between Hono's response and a socket
 * write). Threads, native frames and the GC share are exact; trust a JS function's share only
 * where its callers and callees make sense (RAFTLITE_PROFILE_KEEP=1 keeps the recording).
 */
import { execFileSync } from 'node:child_process'

interface Sample {
  tid: string
  /** Leaf first. */
  frames: string[]
}

const GC = /Heap::CollectGarbage|Scavenger|MarkCompact|ConcurrentMarking|Sweeper|Heap::PerformGarbageCollection|MinorMarkSweep/
const KEY_FRAME = /^JS:|^node::fs::|^node::worker::|^node::StreamBase::|^uv__work_done|^Builtins_RunMicrotasks/

function readSamples(file: string): Sample[] {
  const out = execFileSync('perf', ['script', '-i', file, '-F', 'tid,ip,sym'], { maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'ignore'] }).toString()
  return out.split('\n\n').map((block) => block.trim()).filter(Boolean).map((block) => {
    const [head, ...lines] = block.split('\n')
    const frames = lines.map((l) => l.trim().replace(/^[0-9a-f]+ /, '').replace(/file:\/\/\/\S*?\/(dist|src|node_modules)\//, '$1/').replace(/:(\d+):\d+$/, ':$1'))
    return { tid: head.trim(), frames }
  })
}

/** Which thread of a raftlited process took a sample. */
function threadKind(s: Sample, mainTid: string): string {
  if (s.tid === mainTid) return 'main thread'
  if (s.frames.some((f) => f.includes('node::worker::Worker::Run'))) return 'engine worker'
  if (s.frames.some((f) => f.includes('PlatformWorkerThread'))) return 'V8 helpers (GC, JIT)'
  if (s.frames.some((f) => f.includes('uv__thread_start') || f.includes('worker (') || f.includes('uv__work'))) return 'libuv pool'
  return 'other threads'
}

const pct = (v: number, of: number) => `${((100 * v) / of).toFixed(1).padStart(5)}%`

/** A report of one process's samples; `perWrite` turns sample counts into µs per committed write. */
export function perfSummary(file: string, mainTid: string, hz: number, writes: number, top = 25): string {
  const samples = readSamples(file)
  const lines: string[] = []
  const usPerWrite = (n: number) => `${((n / hz / writes) * 1e6).toFixed(1)} µs/write`
  const byKind = new Map<string, Sample[]>()
  for (const s of samples) {
    const k = threadKind(s, mainTid)
    byKind.set(k, [...(byKind.get(k) ?? []), s])
  }
  const gc = samples.filter((s) => s.frames.some((f) => GC.test(f))).length
  lines.push(`${samples.length} samples (${usPerWrite(samples.length)}); garbage collection ${pct(gc, samples.length)} of them (${usPerWrite(gc)})`)
  for (const [kind, of] of [...byKind].sort((a, b) => b[1].length - a[1].length)) lines.push(`${pct(of.length, samples.length)}  ${kind} (${usPerWrite(of.length)})`)
  for (const kind of ['main thread', 'engine worker']) {
    const of = byKind.get(kind) ?? []
    if (of.length === 0) continue
    const inclusive = new Map<string, number>()
    const self = new Map<string, number>()
    for (const s of of) {
      self.set(s.frames[0], (self.get(s.frames[0]) ?? 0) + 1)
      for (const f of new Set(s.frames)) if (KEY_FRAME.test(f)) inclusive.set(f, (inclusive.get(f) ?? 0) + 1)
    }
    const list = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).slice(0, top).map(([f, n]) => `${pct(n, of.length)}  ${f}`)
    lines.push(`\n-- ${kind}: inclusive (JS functions and Node's native entry points)`, ...list(inclusive))
    lines.push(`-- ${kind}: self`, ...list(self))
  }
  return lines.join('\n')
}
