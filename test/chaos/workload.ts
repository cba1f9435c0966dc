/**
 * The clients of a chaos run. Three workloads, each with its oracle (oracles.ts):
 * - register: writes of unique values and reads at every level, per key;
 * - ledger: transfers between accounts in one transaction, and reads of the sum;
 * - set: inserts of unique values, every acknowledged one must survive.
 * Each client has one request in flight and records it in the history when it completes.
 */
import { call } from './client-call.ts'
import type { HistoryFile, Op, ReadLevel } from './history.ts'
import { Prng } from './prng.ts'

export const REGISTER_KEYS = 4
export const ACCOUNTS = 5
export const INITIAL_BALANCE = 100
export const TOTAL = ACCOUNTS * INITIAL_BALANCE
const TIMEOUT_MS = 4_000

export const SCHEMA = [
  'CREATE TABLE IF NOT EXISTS reg (k INTEGER PRIMARY KEY, v INTEGER NOT NULL)',
  'CREATE TABLE IF NOT EXISTS acct (id INTEGER PRIMARY KEY, bal INTEGER NOT NULL)',
  'CREATE TABLE IF NOT EXISTS items (v INTEGER PRIMARY KEY)',
  ...Array.from({ length: ACCOUNTS }, (_, i) => `INSERT OR IGNORE INTO acct (id, bal) VALUES (${i}, ${INITIAL_BALANCE})`),
]

export interface WorkloadTarget {
  size: number
  url(node: number): string
}

export interface ClientPlan {
  registers: number
  ledgers: number
  sets: number
}

export class Workload {
  #stopped = false
  #nextValue = 1
  #nextId = 1
  readonly acks: number[] = []
  readonly t0: number

  constructor(
    readonly target: WorkloadTarget,
    readonly history: HistoryFile,
    readonly seed: number,
  ) {
    this.t0 = performance.now()
  }

  now(): number {
    return Math.round((performance.now() - this.t0) * 10) / 10
  }

  /** Runs the clients until `stop()`; resolves when every client finished its last request. */
  async run(plan: ClientPlan): Promise<void> {
    const clients: Promise<void>[] = []
    let client = 0
    for (let i = 0; i < plan.registers; i++) clients.push(this.#loop(client++, (rng, id) => this.#registerOp(rng, id)))
    for (let i = 0; i < plan.ledgers; i++) clients.push(this.#loop(client++, (rng, id) => this.#ledgerOp(rng, id)))
    for (let i = 0; i < plan.sets; i++) clients.push(this.#loop(client++, (rng, id) => this.#setOp(rng, id)))
    await Promise.all(clients)
  }

  stop(): void {
    this.#stopped = true
  }

  async #loop(client: number, op: (rng: Prng, client: number) => Promise<void>): Promise<void> {
    const rng = new Prng(this.seed * 1000 + client)
    while (!this.#stopped) {
      await op(rng, client)
      await new Promise((r) => setTimeout(r, rng.int(5, 40)))
    }
  }

  #record(op: Omit<Op, 'id'>): void {
    const full = { id: this.#nextId++, ...op }
    if (full.outcome === 'ok' && (full.f === 'write' || full.f === 'transfer' || full.f === 'insert')) this.acks.push(full.end)
    this.history.record(full)
  }

  async #registerOp(rng: Prng, client: number): Promise<void> {
    const node = rng.int(1, this.target.size)
    const key = rng.int(0, REGISTER_KEYS - 1)
    if (rng.next() < 0.5) {
      const value = this.#nextValue++
      const start = this.now()
      const r = await call(this.target.url(node), '/db/execute', [['INSERT INTO reg (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v', key, value]], TIMEOUT_MS)
      this.#record({ client, workload: 'register', f: 'write', key, value, node, start, end: this.now(), outcome: r.outcome, error: r.error })
      return
    }
    const level = rng.weighted<ReadLevel>([['linearizable', 4], ['strong', 1], ['weak', 2], ['none', 2]])
    await this.readRegister(client, node, key, level)
  }

  /** A read of one register, recorded (also used for the final reads). */
  async readRegister(client: number, node: number, key: number, level: ReadLevel): Promise<void> {
    const start = this.now()
    const r = await call(this.target.url(node), `/db/query?level=${level}`, [['SELECT v FROM reg WHERE k = ?', key]], TIMEOUT_MS)
    const rows = r.body?.results?.[0]?.values ?? []
    const value = r.outcome === 'ok' ? ((rows[0]?.[0] as number | undefined) ?? null) : undefined
    this.#record({ client, workload: 'register', f: 'read', key, value, level, node, start, end: this.now(), outcome: r.outcome, error: r.error })
  }

  async #ledgerOp(rng: Prng, client: number): Promise<void> {
    const node = rng.int(1, this.target.size)
    if (rng.next() < 0.2) {
      const level = rng.pick<ReadLevel>(['none', 'weak', 'linearizable', 'strong'])
      const start = this.now()
      const r = await call(this.target.url(node), `/db/query?level=${level}`, [['SELECT SUM(bal), COUNT(*) FROM acct']], TIMEOUT_MS)
      const row = r.body?.results?.[0]?.values?.[0]
      this.#record({ client, workload: 'ledger', f: 'sum', value: r.outcome === 'ok' ? ((row?.[0] as number) ?? null) : undefined, level, node, start, end: this.now(), outcome: r.outcome, error: r.error })
      return
    }
    const from = rng.int(0, ACCOUNTS - 1)
    const to = (from + rng.int(1, ACCOUNTS - 1)) % ACCOUNTS
    const amount = rng.int(1, 20)
    const start = this.now()
    const r = await call(
      this.target.url(node),
      '/db/execute?transaction',
      [
        ['UPDATE acct SET bal = bal - ? WHERE id = ?', amount, from],
        ['UPDATE acct SET bal = bal + ? WHERE id = ?', amount, to],
      ],
      TIMEOUT_MS,
    )
    this.#record({ client, workload: 'ledger', f: 'transfer', key: from, value: amount, node, start, end: this.now(), outcome: r.outcome, error: r.error })
  }

  async #setOp(rng: Prng, client: number): Promise<void> {
    const node = rng.int(1, this.target.size)
    const value = this.#nextValue++
    const start = this.now()
    const r = await call(this.target.url(node), '/db/execute', [['INSERT INTO items (v) VALUES (?)', value]], TIMEOUT_MS)
    this.#record({ client, workload: 'set', f: 'insert', value, node, start, end: this.now(), outcome: r.outcome, error: r.error })
  }
}
