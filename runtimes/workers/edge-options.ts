/**
 * A Durable Object node's options: rqlited flags from the `RAFTLITE_FLAGS` variable (as on the
 * command line, without the data directory), parsed by the daemon's own parser. Flags the edge
 * cannot honour are refused by name and reason, never ignored.
 */
import { parseRqlitedArgs, type RqlitedOptions } from '../../src/cli/rqlited-flags.ts'
import { nodeOptionsFromFlags } from '../../src/daemon/node-options-from-flags.ts'
import type { NodeOptions } from '../../src/node/node-options.ts'

/** Where the node's files live inside the object's storage. */
export const EDGE_DATA_DIR = '/data'

const noFiles = 'a Durable Object has no file system to read it from'
const noTls = 'Cloudflare terminates TLS in front of the Worker'
/** Flags with a non-default value the edge refuses, and why. */
const REFUSED: ReadonlyArray<[flag: string, key: keyof RqlitedOptions, reason: string]> = [
  ['http-addr', 'httpAddr', 'the Worker\'s URL is the address; set -http-adv-addr to advertise it'],
  ['raft-addr', 'raftAddr', 'the Worker\'s URL is the address; set -raft-adv-addr to advertise it'],
  ['http-cert', 'httpCert', noTls], ['http-key', 'httpKey', noTls], ['http-ca-cert', 'httpCaCert', noTls],
  ['http-verify-client', 'httpVerifyClient', noTls],
  ['node-cert', 'nodeCert', 'Workers cannot present client certificates; use RAFTLITE_CLUSTER_SECRET'],
  ['node-key', 'nodeKey', 'Workers cannot present client certificates; use RAFTLITE_CLUSTER_SECRET'],
  ['node-ca-cert', 'nodeCaCert', 'Workers cannot trust a private CA'],
  ['auth', 'auth', `${noFiles} (not supported at the edge yet)`],
  ['auto-backup', 'autoBackup', `${noFiles} (not supported at the edge yet)`],
  ['auto-restore', 'autoRestore', `${noFiles} (not supported at the edge yet)`],
  ['cdc-config', 'cdcConfig', 'not supported at the edge yet'],
  ['cluster-secret-file', 'clusterSecretFile', `${noFiles}; set the RAFTLITE_CLUSTER_SECRET secret instead`],
  ['disco-mode', 'discoMode', 'not supported at the edge; list servers in -join'],
  ['on-disk-path', 'onDiskPath', 'the database lives in the Durable Object\'s storage'],
  ['cpu-profile', 'cpuProfile', 'profiling needs Node\'s inspector'],
  ['mem-profile', 'memProfile', 'profiling needs Node\'s inspector'],
  ['trace-profile', 'traceProfile', 'profiling needs Node\'s inspector'],
  ['otlp-endpoint', 'otlpEndpoint', 'not supported at the edge yet'],
  ['extensions-path', 'extensionsPath', 'SQLite extensions are native code'],
]

export class EdgeConfigError extends Error {
  override name = 'EdgeConfigError'
}

/** Splits the variable like a shell would for simple words ('…' and "…" group, no escapes). */
export function splitFlags(text: string): string[] {
  return Array.from(text.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g), (m) => m[1] ?? m[2] ?? m[3])
}

/** `host`: the Worker's host (and port), advertised as both addresses unless the flags say otherwise. */
export function edgeNodeOptions(nodeId: string, flagsText: string, clusterSecret: string, host: string): Partial<NodeOptions> & { dataDir: string } {
  const parsed = parseRqlitedArgs([...splitFlags(flagsText), EDGE_DATA_DIR])
  if (parsed.kind === 'version' || parsed.kind === 'help') throw new EdgeConfigError('RAFTLITE_FLAGS: -version and -h are not flags for a node')
  if (parsed.kind === 'error') throw new EdgeConfigError(`RAFTLITE_FLAGS: ${parsed.message.replace(/^fatal: /, '')}`)
  for (const [flag, , reason] of REFUSED) {
    if (parsed.set.includes(flag)) throw new EdgeConfigError(`RAFTLITE_FLAGS: flag -${flag} is not supported at the edge: ${reason}`)
  }
  if (parsed.set.includes('node-id') && parsed.options.nodeId !== nodeId) {
    throw new EdgeConfigError(`RAFTLITE_FLAGS: -node-id ${parsed.options.nodeId} differs from the Durable Object's name ${nodeId}; the name is the node id`)
  }
  // A Worker's cluster routes face the whole internet: a member at the edge must authenticate.
  if (parsed.options.join.some((a) => a !== '') && clusterSecret === '') {
    throw new EdgeConfigError('RAFTLITE_FLAGS: -join needs the cluster secret at the edge (its Raft routes are public): set it with `wrangler secret put RAFTLITE_CLUSTER_SECRET`, the same as the servers\' -cluster-secret-file')
  }
  const options = nodeOptionsFromFlags(parsed.options, EDGE_DATA_DIR)
  if (!parsed.set.includes('http-adv-addr')) options.httpAdvAddr = host
  if (!parsed.set.includes('raft-adv-addr')) options.raftAdvAddr = host
  return { ...options, nodeId, clusterSecret }
}
