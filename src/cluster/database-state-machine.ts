/** The replicated state machine: log entries applied to the SQLite database. */
import { decodeCommand } from '../db/command-codec.ts'
import type { Database } from '../db/database.ts'
import type { StatementResult } from '../db/statement-result.ts'
import type { ConfChange, Entry, Snapshot } from '../raft/types.ts'
import type { Members } from './members.ts'
import type { StateMachine } from './raft-driver.ts'

export interface AppliedWrite {
  results: StatementResult[]
  raftIndex: number
}

export class DatabaseStateMachine implements StateMachine {
  /** Leader-stamped time (ms) of the newest write applied here: what `freshness_strict` checks. */
  lastWriteTimestamp = 0

  constructor(
    private readonly db: () => Database,
    private readonly members: Members,
    private readonly install: (snapshot: Snapshot) => void,
    private readonly onMembersChanged: () => void = () => {},
  ) {}

  apply(entry: Entry, local: boolean): AppliedWrite | undefined {
    const command = decodeCommand(entry.data)
    if (command.kind === 'write') {
      // Every replica applies every write: the batch pins time and randomness, so all agree.
      this.lastWriteTimestamp = command.batch.timestampMs
      return { results: this.db().applyBatch(command.batch), raftIndex: entry.index }
    }
    // A strong read is ordered by the log but only answered by the node that proposed it.
    if (!local) return undefined
    return {
      results: this.db().query(command.statements, { transaction: command.transaction, timeoutMs: command.timeoutMs }),
      raftIndex: entry.index,
    }
  }

  applyConfChange(change: ConfChange): void {
    this.members.apply(change)
    this.onMembersChanged()
  }

  installSnapshot(snapshot: Snapshot): void {
    this.install(snapshot)
  }
}
