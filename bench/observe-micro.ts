/**
 * In-process cost of what observability adds to each request and each Raft fsync, with metrics
 * on (the default) and off: the per-request work of `requestObserver` (src/http/request-observer.ts),
 * the fsync histogram, and a log call filtered out by its level (the raft subsystem's default).
 * Nanoseconds per call: the best of 15 batches, on and off alternating (the least disturbed by
 * other load on the machine).
 */
import { requestObserver } from '../src/http/request-observer.ts'
import { NodeMetrics } from '../src/node/node-metrics.ts'
import { Logger } from '../src/observe/logger.ts'

export interface MicroCost {
  what: string
  nanoseconds: number
}

type ObserverNode = Parameters<typeof requestObserver>[0]

/** Nanoseconds per call of each of `runs`, timed in alternating batches; each one's best batch. */
function nsPerCall(calls: number, ...runs: ((i: number) => void)[]): number[] {
  const best = runs.map(() => Infinity)
  for (let batch = 0; batch < 15; batch++) {
    runs.forEach((run, k) => {
      const t0 = performance.now()
      for (let i = 0; i < calls; i++) run(i)
      best[k] = Math.min(best[k], ((performance.now() - t0) * 1e6) / calls)
    })
  }
  return best
}

export async function observeMicroCosts(calls = 50_000): Promise<MicroCost[]> {
  const clock = { monotonic: () => performance.now(), now: () => Date.now() }
  const silent = new Logger({ sink: { write() {} }, level: 'off' })
  const observer = (enabled: boolean) =>
    requestObserver({ metrics: new NodeMetrics(enabled), options: { logSlowRequestMs: 1000 }, platform: { clock } } as unknown as ObserverNode, silent.for('http'))
  const request = new Request('http://127.0.0.1:4001/db/execute', { method: 'POST' })
  const response = new Response('{"results":[]}', { status: 200 })
  const routes = ['execute', 'query', 'request', 'status']
  const on = observer(true)
  const off = observer(false)
  const started = performance.now()
  const [observedOn, observedOff] = nsPerCall(calls, (i) => on(routes[i & 3], request, started, response), (i) => off(routes[i & 3], request, started, response))
  const fsync = new NodeMetrics(true).fsyncDuration
  const raft = new Logger({ sink: { write() {} }, level: 'info', levels: { raft: 'warn' } }).for('raft')
  return [
    { what: 'request observer, metrics on', nanoseconds: observedOn },
    { what: 'request observer, metrics off', nanoseconds: observedOff },
    { what: 'request observer, added by metrics', nanoseconds: observedOn - observedOff },
    { what: 'fsync histogram observe', nanoseconds: nsPerCall(calls, (i) => fsync.observe((i & 1023) / 1e6))[0] },
    { what: 'log call below the level (raft info at WARN)', nanoseconds: nsPerCall(calls, (i) => raft.info('became follower', { term: i }))[0] },
  ]
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const m of await observeMicroCosts()) console.log(`${m.what}: ${m.nanoseconds.toFixed(0)} ns`)
}
