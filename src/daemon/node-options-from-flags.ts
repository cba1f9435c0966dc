import type { RqlitedOptions } from '../cli/rqlited-flags.ts'
import type { NodeOptions } from '../node/node-options.ts'

/** Maps parsed `raftlited` flags onto the node's options. */
export function nodeOptionsFromFlags(flags: RqlitedOptions, dataDir: string): Partial<NodeOptions> & { dataDir: string } {
  return {
    dataDir,
    nodeId: flags.nodeId,
    httpAddr: flags.httpAddr,
    httpAdvAddr: flags.httpAdvAddr,
    raftAddr: flags.raftAddr,
    raftAdvAddr: flags.raftAdvAddr,
    foreignKeys: flags.fk,
    writeQueueCapacity: flags.writeQueueCapacity,
    writeQueueBatchSize: flags.writeQueueBatchSize,
    writeQueueTimeoutMs: flags.writeQueueTimeout,
    writeQueueTx: flags.writeQueueTx,
    httpAllowOrigin: flags.httpAllowOrigin,
    httpMaxBodyBytes: flags.httpMaxBody,
    httpsApi: flags.httpCert !== '',
    httpMaxStatements: flags.httpMaxStatements,
    httpMaxParams: flags.httpMaxParams,
    httpMaxResultBytes: flags.httpMaxResultBytes,
    shutdownFlushTimeoutMs: flags.shutdownFlushTimeout,
    dbQueryTimeoutMs: flags.dbQueryTimeout,
    join: flags.join.filter((addr) => addr !== ''),
    joinAttempts: flags.joinAttempts,
    joinIntervalMs: flags.joinInterval,
    raftNonVoter: flags.raftNonVoter,
    raftElectionTimeoutMs: flags.raftElectionTimeout,
    raftHeartbeatTimeoutMs: flags.raftHeartbeatTimeout,
    raftLeaderLeaseTimeoutMs: flags.raftLeaderLeaseTimeout,
    raftApplyTimeoutMs: flags.raftApplyTimeout,
    raftShutdownStepdown: flags.raftShutdownStepdown,
    raftClusterRemoveShutdown: flags.raftClusterRemoveShutdown,
    bootstrapExpect: flags.bootstrapExpect,
    bootstrapExpectTimeoutMs: flags.bootstrapExpectTimeout,
    raftSnapEntries: flags.raftSnap,
    raftSnapWalBytes: flags.raftSnapWalSize,
    raftSnapIntervalMs: flags.raftSnapInt,
    joinAs: flags.joinAs,
  }
}
