/**
 * The replicated state machine: log entries applied to the SQLite database. Two extension
 * points live here: row-change listeners (every applied entry's committed row changes, with its
 * index and timestamp) and command handlers (commands other than SQL, e.g. load and boot).
 */
import { decodeCommand } from '../db/command-codec.ts'
import type { Database } from '../db/database.ts'
import type { Engine, HeldEntry } from '../db/engine.ts'
import type { RowChange } from '../db/row-changes.ts'
import type { StatementResult } from '../db/statement-result.ts'
import { isHoldable, type WriteBatch } from '../db/write-batch.ts'
import type { ConfChange, Entry, Snapshot } from '../raft/types.ts'
import type { Connection } from '../sqlite/connection.ts'
import { decodeLoadCommit, LOAD_CHUNK_COMMAND, LOAD_COMMIT_COMMAND } from './load-commands.ts'
import type { Members } from './members.ts'
import type { ApplyOutcome, StateMachine } from './raft-driver.ts'
import { AnsweredEarly } from './apply-queue.ts'

export interface AppliedWrite {
  results: StatementResult[]
  raftIndex: number
  /** What a custom command's handler returned. */
  result?: unknown
}

/** The committed row changes of one applied log entry. */
export interface AppliedChanges {
  index: number
  /** The leader-stamped time of the entry (ms since the epoch): what SQLite saw as "now". */
  timestampMs: number
  changes: RowChange[]
}

export interface CommandContext {
  index: number
  timestampMs: number
  payload: Uint8Array
  /** The read-write connection, inside the command's transaction; trusted SQL only. */
  connection: Connection
}

/** Runs a custom command. Must be deterministic: every replica runs it on the same state. */
export type CommandHandler = (context: CommandContext) => unknown

export class DatabaseStateMachine implements StateMachine {
  /** Leader-stamped time (ms) of the newest write applied here: what `freshness_strict` checks. */
  lastWriteTimestamp = 0
  readonly #listeners = new Set<(applied: AppliedChanges) => void>()
  /**
   * Held applies: `answered` from the hold once committed; of those, `reapplied` because the hold
   * was undone before its commit (a snapshot's checkpoint, say); `dropped`, applied the usual way
   * (leadership lost, another entry in its place, a change listener arrived).
   */
  readonly heldApplies = { answered: 0, reapplied: 0, dropped: 0 }
  /** The leader's own entry the engine runs while it becomes durable, its commit held. */
  #held: { entry: HeldEntry; batch: WriteBatch; results: Promise<StatementResult[]> } | null = null

  constructor(
    private readonly db: () => Database,
    private readonly members: Members,
    private readonly install: (snapshot: Snapshot) => void | Promise<void>,
    private readonly onMembersChanged: () => void = () => {},
    private readonly commands: ReadonlyMap<string, CommandHandler> = new Map(),
    private readonly onListenerError: (error: unknown) => void = () => {},
    /** The database in a worker: applies answer with its promise (the driver awaits it off its loop). */
    private readonly engine: Engine | null = null,
  ) {}

  /**
   * Calls `listener` with the committed row changes of every entry applied from now on (entries
   * that change no row included). Returns the way to stop; with no listener, nothing is recorded.
   */
  onRowChanges(listener: (applied: AppliedChanges) => void): () => void {
    this.#listeners.add(listener)
    // With a worker, each apply asks for the changes while someone listens.
    if (!this.engine) this.db().recordRowChanges(true)
    return () => {
      this.#listeners.delete(listener)
      if (this.#listeners.size === 0 && !this.engine) this.db().recordRowChanges(false)
    }
  }

  /** With a worker every apply answers with a promise: a Ready's entries go to it as one run. */
  get offThread(): boolean {
    return this.engine !== null
  }

  apply(entry: Entry, local: boolean): AppliedWrite | undefined | Promise<AppliedWrite | AnsweredEarly | undefined> {
    if (this.engine) return this.#applyInWorker(this.engine, entry, local)
    const command = decodeCommand(entry.data)
    const changes = this.#listeners.size > 0 ? ([] as RowChange[]) : undefined
    if (command.kind === 'write') {
      // Every replica applies every write: the batch pins time and randomness, so all agree.
      this.lastWriteTimestamp = command.batch.timestampMs
      const results = this.db().applyBatch(command.batch, changes)
      this.#report(entry.index, command.batch.timestampMs, changes)
      return { results, raftIndex: entry.index }
    }
    if (command.kind === 'custom') return this.#applyCustom(entry.index, command, changes)
    // A strong read is ordered by the log but only answered by the node that proposed it.
    if (!local) return undefined
    return {
      results: this.db().query(command.statements, { transaction: command.transaction, timeoutMs: command.timeoutMs }),
      raftIndex: entry.index,
    }
  }

  /**
   * The leader's own entry, just appended and next to apply: the engine runs it while Raft makes
   * it durable and holds its commit, so that once committed it is answered at once (one hop to
   * the worker fewer on a lone write's path; docs/engine.md). Only for holdable batches, and not
   * while row changes are recorded (those are taken at commit).
   */
  holdApply(entry: Entry): void {
    const engine = this.engine
    if (!engine || this.#listeners.size > 0) return
    let command: ReturnType<typeof decodeCommand>
    try {
      command = decodeCommand(entry.data)
    } catch {
      return // applied (and refused) the usual way
    }
    if (command.kind !== 'write' || !isHoldable(command.batch)) return
    const held = { index: entry.index, term: entry.term }
    const results = engine.holdApply(held, command.batch)
    results.catch(() => {}) // a hold that failed is applied the usual way
    this.#held = { entry: held, batch: command.batch, results }
  }

  /** Whether `entry` is the one held: applied on its own, it is answered before its commit is done. */
  holds(entry: Entry): boolean {
    const held = this.#held
    return held !== null && held.entry.index === entry.index && held.entry.term === entry.term
  }

  /** The held entry may never commit here (leadership lost, a snapshot): undo it. */
  dropHeld(): void {
    if (!this.#held) return
    this.#held = null
    this.heldApplies.dropped++
    void this.engine?.rollbackHeld().catch(() => {})
  }

  /**
   * A run of committed entries (they queued behind an apply in the worker): consecutive writes
   * go to the engine in one `applyBatches` call; anything else is applied on its own, in order.
   */
  async applyRun(entries: readonly { entry: Entry; local: boolean }[]): Promise<ApplyOutcome[]> {
    const outcomes: ApplyOutcome[] = []
    const failed = (e: unknown): ApplyOutcome => ({ ok: false, error: e instanceof Error ? e : new Error(String(e)) })
    const { engine } = this
    if (!engine) {
      for (const { entry, local } of entries) {
        try {
          outcomes.push({ ok: true, value: this.apply(entry, local) })
        } catch (e) {
          outcomes.push(failed(e))
        }
      }
      return outcomes
    }
    let writes: { index: number; batch: WriteBatch }[] = []
    const flush = async () => {
      if (writes.length === 0) return
      const group = writes
      writes = []
      const recordChanges = this.#listeners.size > 0
      try {
        const applied = await engine.applyBatches(group.map(({ batch }) => ({ batch, recordChanges })))
        for (const [k, { index, batch }] of group.entries()) {
          if (applied[k].changes) this.#report(index, batch.timestampMs, applied[k].changes)
          outcomes.push({ ok: true, value: { results: applied[k].results, raftIndex: index } satisfies AppliedWrite })
        }
      } catch (e) {
        for (const _ of group) outcomes.push(failed(e))
      }
    }
    for (const { entry, local } of entries) {
      let command: ReturnType<typeof decodeCommand>
      try {
        command = decodeCommand(entry.data)
      } catch (e) {
        await flush()
        outcomes.push(failed(e))
        continue
      }
      if (command.kind === 'write') {
        this.lastWriteTimestamp = command.batch.timestampMs
        const held = this.#takeHeld(entry)
        const results = held && (await held.results.catch(() => null))
        if (held && results) {
          // Committed together with later entries: commit what is held, in its place in the run.
          await flush()
          this.heldApplies.answered++
          try {
            await this.#commitHeld(engine, held)
            outcomes.push({ ok: true, value: { results, raftIndex: entry.index } satisfies AppliedWrite })
          } catch (e) {
            outcomes.push(failed(e))
          }
          continue
        }
        if (held) this.heldApplies.dropped++
        writes.push({ index: entry.index, batch: command.batch })
        continue
      }
      await flush()
      try {
        outcomes.push({ ok: true, value: await this.#applyInWorker(engine, entry, local) })
      } catch (e) {
        outcomes.push(failed(e))
      }
    }
    await flush()
    return outcomes
  }

  async #applyInWorker(engine: Engine, entry: Entry, local: boolean): Promise<AppliedWrite | AnsweredEarly | undefined> {
    const command = decodeCommand(entry.data)
    if (command.kind === 'write') {
      this.lastWriteTimestamp = command.batch.timestampMs
      const held = this.#takeHeld(entry)
      const results = held && (await held.results.catch(() => null))
      if (held && results) {
        // Commits what the engine holds, or applies the batch now if that was undone: the
        // outcome is the same, so the entry is answered before the engine has done it.
        this.heldApplies.answered++
        return new AnsweredEarly({ results, raftIndex: entry.index } satisfies AppliedWrite, this.#commitHeld(engine, held))
      }
      if (held) this.heldApplies.dropped++ // the hold failed: applied the usual way
      const [applied] = await engine.applyBatches([{ batch: command.batch, recordChanges: this.#listeners.size > 0 }])
      if (applied.changes) this.#report(entry.index, command.batch.timestampMs, applied.changes)
      return { results: applied.results, raftIndex: entry.index }
    }
    if (command.kind === 'custom' && (command.name === LOAD_CHUNK_COMMAND || command.name === LOAD_COMMIT_COMMAND)) {
      // raftlite's own commands that need the SQL connection run in the worker.
      const { name, timestampMs, seed, payload } = command
      this.lastWriteTimestamp = timestampMs
      const applied = await engine.applyCommand({ name, timestampMs, seed, payload, recordChanges: this.#listeners.size > 0 && name === LOAD_CHUNK_COMMAND })
      if (applied.changes) this.#report(entry.index, timestampMs, applied.changes)
      return { results: [], raftIndex: entry.index, result: applied.result }
    }
    if (command.kind === 'custom') {
      // Handlers are functions of this thread: they run here, without the SQL connection (a
      // node whose own handlers need it keeps the database in the thread).
      const handler = this.commands.get(command.name)
      if (!handler) throw new Error(`no handler registered for command ${JSON.stringify(command.name)}`)
      const { timestampMs, payload } = command
      this.lastWriteTimestamp = timestampMs
      const context = {
        index: entry.index,
        timestampMs,
        payload,
        get connection(): Connection {
          throw new Error('the SQL connection is in the engine worker: this command cannot use it')
        },
      }
      return { results: [], raftIndex: entry.index, result: await handler(context) }
    }
    if (!local) return undefined
    return { results: await engine.query(command.statements, { transaction: command.transaction, timeoutMs: command.timeoutMs }), raftIndex: entry.index }
  }

  async #commitHeld(engine: Engine, held: { entry: HeldEntry; batch: WriteBatch }): Promise<void> {
    if (!(await engine.commitHeld(held.entry, held.batch))) this.heldApplies.reapplied++
  }

  /** The held apply if `entry` is the one held; forgets a hold that `entry` supersedes. */
  #takeHeld(entry: Entry): { entry: HeldEntry; batch: WriteBatch; results: Promise<StatementResult[]> } | null {
    const held = this.#held
    if (!held || entry.index < held.entry.index) return null
    this.#held = null
    if (held.entry.index === entry.index && held.entry.term === entry.term && this.#listeners.size === 0) return held
    this.heldApplies.dropped++ // another entry took its place, or its changes are wanted now
    return null
  }

  applyConfChange(change: ConfChange): void {
    this.members.apply(change)
    this.onMembersChanged()
  }

  installSnapshot(snapshot: Snapshot): void | Promise<void> {
    return this.install(snapshot)
  }

  #applyCustom(index: number, command: Extract<ReturnType<typeof decodeCommand>, { kind: 'custom' }>, changes: RowChange[] | undefined): AppliedWrite {
    if (command.name === LOAD_COMMIT_COMMAND) return this.#applyLoad(index, command.timestampMs, command.payload)
    const handler = this.commands.get(command.name)
    // Fails alike on every replica registered alike; the proposer gets the error.
    if (!handler) throw new Error(`no handler registered for command ${JSON.stringify(command.name)}`)
    const { timestampMs, payload } = command
    this.lastWriteTimestamp = timestampMs
    try {
      const result = this.db().applyCommand(timestampMs, command.seed, (connection) => handler({ index, timestampMs, payload, connection }), changes)
      return { results: [], raftIndex: index, result }
    } finally {
      this.#report(index, timestampMs, changes)
    }
  }

  /** Swaps a staged load in: outside a command's transaction, since it replaces the whole file. */
  #applyLoad(index: number, timestampMs: number, payload: Uint8Array): AppliedWrite {
    this.lastWriteTimestamp = timestampMs
    this.db().applyStagedLoad(decodeLoadCommit(payload))
    return { results: [], raftIndex: index }
  }

  #report(index: number, timestampMs: number, changes: RowChange[] | undefined): void {
    if (!changes) return
    for (const listener of this.#listeners) {
      try {
        listener({ index, timestampMs, changes })
      } catch (e) {
        this.onListenerError(e) // a listener's failure must not fail the apply
      }
    }
  }
}
