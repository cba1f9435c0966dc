/** Profiles through Node's inspector (the daemon's -cpu-profile, -mem-profile, -trace-profile). */
import { Session } from 'node:inspector'
import { writeFileSync } from 'node:fs'
import type { ProfileTargets, Profiler } from '../../src/ports/profiler.ts'

function post<T>(session: Session, method: string, params?: object): Promise<T> {
  return new Promise((resolve, reject) =>
    session.post(method, params ?? {}, (error, result) => (error ? reject(error) : resolve(result as T))),
  )
}

export const nodeProfiler: Profiler = {
  async start(targets: ProfileTargets) {
    const session = new Session()
    session.connect()
    const stops: (() => Promise<void>)[] = []
    if (targets.cpu) {
      const path = targets.cpu
      await post(session, 'Profiler.enable')
      await post(session, 'Profiler.start')
      stops.push(async () => writeFileSync(path, JSON.stringify((await post<{ profile: unknown }>(session, 'Profiler.stop')).profile)))
    }
    if (targets.mem) {
      const path = targets.mem
      await post(session, 'HeapProfiler.enable')
      await post(session, 'HeapProfiler.startSampling')
      stops.push(async () => writeFileSync(path, JSON.stringify((await post<{ profile: unknown }>(session, 'HeapProfiler.stopSampling')).profile)))
    }
    if (targets.trace) {
      const path = targets.trace
      const events: unknown[] = []
      session.on('NodeTracing.dataCollected', (m: { params: { value: unknown[] } }) => events.push(...m.params.value))
      await post(session, 'NodeTracing.start', { traceConfig: { includedCategories: ['node', 'node.async_hooks', 'v8'] } })
      stops.push(async () => {
        const complete = new Promise<void>((resolve) => session.once('NodeTracing.tracingComplete', () => resolve()))
        await post(session, 'NodeTracing.stop')
        await complete
        writeFileSync(path, JSON.stringify({ traceEvents: events }))
      })
    }
    return async () => {
      try {
        for (const stop of stops) await stop()
      } finally {
        session.disconnect()
      }
    }
  },
}
