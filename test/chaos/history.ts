/** The history of a chaos run: one record per client operation, written as JSON lines. */
import { appendFileSync } from 'node:fs'

/**
 * ok: the node acknowledged it. fail: it certainly did not take effect (refused before anything
 * could be proposed). indeterminate: it may or may not have taken effect (timeout, broken
 * connection, an error that does not say).
 */
export type Outcome = 'ok' | 'fail' | 'indeterminate'

export type ReadLevel = 'none' | 'weak' | 'linearizable' | 'strong'

export interface Op {
  id: number
  client: number
  workload: 'register' | 'ledger' | 'set'
  f: 'read' | 'write' | 'transfer' | 'sum' | 'insert'
  key?: number
  /** The value written, or the value a read returned (null: the key was absent). */
  value?: number | null
  level?: ReadLevel
  /** The node the request was sent to (1-based). */
  node: number
  /** Milliseconds since the run started (monotonic). */
  start: number
  end: number
  outcome: Outcome
  error?: string
}

/** Appends each op as it completes, so a run that dies still leaves its history. */
export class HistoryFile {
  readonly ops: Op[] = []
  constructor(private readonly path?: string) {}

  record(op: Op): void {
    this.ops.push(op)
    if (this.path) appendFileSync(this.path, `${JSON.stringify(op)}\n`)
  }
}

export function parseHistory(text: string): Op[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Op)
}
