/** The daemon's OpenTelemetry push (`-otlp-endpoint`), with resource attributes naming the node. */
import type { RaftliteNode } from '../node/raftlite-node.ts'
import type { Platform } from '../node/platform.ts'
import { type OtlpPusher, startOtlpPush } from '../observe/otlp-push.ts'
import { RAFTLITE_VERSION } from '../version.ts'

export interface DaemonOtlpFlags {
  otlpEndpoint: string
  otlpInterval: number
}

/** Starts the push if asked for and metrics are on; null otherwise. */
export function startDaemonOtlp(node: RaftliteNode, flags: DaemonOtlpFlags, platform: Platform): OtlpPusher | null {
  if (flags.otlpEndpoint === '' || !node.metrics.enabled) return null
  const { runtime } = platform
  const attributes: Record<string, string> = {
    'service.name': 'raftlite',
    'service.version': RAFTLITE_VERSION,
    'service.instance.id': node.id,
    'raftlite.node.id': node.id,
    'raftlite.node.api_addr': node.options.httpAdvAddr,
    'raftlite.node.raft_addr': node.options.raftAdvAddr,
    'process.runtime.name': runtime.name,
    'process.runtime.version': runtime.version,
  }
  if (runtime.hostname) attributes['host.name'] = runtime.hostname
  if (runtime.pid !== undefined) attributes['process.pid'] = String(runtime.pid)
  return startOtlpPush({
    url: flags.otlpEndpoint,
    intervalMs: flags.otlpInterval,
    collect: () => node.metrics.registry.collect(),
    resource: { attributes },
    scope: { name: 'raftlite', version: RAFTLITE_VERSION },
    timers: platform.timers,
    now: () => platform.clock.now(),
    fetch: (...args) => fetch(...args),
    logger: node.logger.for('metrics'),
  })
}
