/** The ways a snapshot can be refused or given up. */

export class SnapshotSupersededError extends Error {
  constructor() {
    super('snapshot: superseded while its copy was being made (a snapshot from the leader was installed)')
    this.name = 'SnapshotSupersededError'
  }
}

/** The store's copy did not come out equal to the live file: it is not recorded. */
export class SnapshotCopyMismatchError extends Error {
  constructor(detail: string) {
    super(`snapshot: the copy does not match the live database (${detail}); the next snapshot copies it whole`)
    this.name = 'SnapshotCopyMismatchError'
  }
}

/** A snapshot refused because an fsync of the live database failed earlier in this process. */
export class LiveSyncFailedError extends Error {
  constructor() {
    super(
      'snapshot: an fsync of the live database failed earlier; no snapshot is taken until the node ' +
        'restarts (it then restores the last good snapshot and replays the log)',
    )
    this.name = 'LiveSyncFailedError'
  }
}

export class SnapshotCorruptionError extends Error {
  constructor(path: string, detail: string) {
    super(
      `snapshot metadata ${path} is corrupt (${detail}); this node cannot trust its state: ` +
        'stop it, move its data directory aside, and rejoin it to the cluster',
    )
    this.name = 'SnapshotCorruptionError'
  }
}
