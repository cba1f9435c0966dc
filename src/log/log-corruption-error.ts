/**
 * The durable log found bytes it cannot trust. Thrown by `DurableLog.open` (and by reads that
 * re-verify a record) so corrupt data is never served: a node with a damaged log must not vote
 * or acknowledge with it (the NATS JetStream lesson), it must be rebuilt from its peers.
 */
export class LogCorruptionError extends Error {
  constructor(
    /** Path of the damaged file. */
    readonly file: string,
    /** Byte offset in `file` where the damage starts. */
    readonly offset: number,
    /** What was found there, e.g. "checksum mismatch (stored 0x…, computed 0x…)". */
    readonly found: string,
  ) {
    super(
      `this node's Raft log is corrupt at ${file}, byte ${offset}: ${found}. ` +
        'The node must not start with it. Restore it from a peer: stop the node, remove it from ' +
        'the cluster, move its data directory aside (keep it for diagnosis), and join it again as ' +
        'an empty node so it receives a snapshot and the log from the leader.',
    )
    this.name = 'LogCorruptionError'
  }
}
