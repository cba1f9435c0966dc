/**
 * `-auto-vacuum-int` and `-auto-optimize-int`: the leader puts `VACUUM` (and `PRAGMA optimize`)
 * through the log at that period, so every replica runs it at the same point of its history and
 * the database files stay alike (rqlite runs them on each node apart, in its snapshot path).
 */
import type { BoundStatement } from '../sqlite/connection.ts'
import type { DataPath } from './data-path.ts'
import type { NodeContext } from './node-context.ts'

export type MaintenanceContext = Pick<NodeContext, 'options' | 'platform' | 'driver' | 'stopping' | 'counters' | 'logger'>

interface Job {
  /** rqlite's counter stem: `num_auto_vacuums`, `num_auto_vacuums_failed`, `auto_vacuum_duration`. */
  name: 'vacuum' | 'optimize'
  sql: string
  intervalMs: number
}

export class Maintenance {
  readonly #ctx: MaintenanceContext
  readonly #data: Pick<DataPath, 'write'>
  readonly #cancels: (() => void)[] = []

  constructor(ctx: MaintenanceContext, data: Pick<DataPath, 'write'>) {
    this.#ctx = ctx
    this.#data = data
  }

  start(): void {
    const { autoVacuumIntervalMs, autoOptimizeIntervalMs } = this.#ctx.options
    const jobs: Job[] = [
      { name: 'vacuum', sql: 'VACUUM', intervalMs: autoVacuumIntervalMs },
      { name: 'optimize', sql: 'PRAGMA optimize', intervalMs: autoOptimizeIntervalMs },
    ]
    for (const job of jobs) if (job.intervalMs > 0) this.#schedule(job)
  }

  stop(): void {
    for (const cancel of this.#cancels.splice(0)) cancel()
  }

  #schedule(job: Job): void {
    const slot = this.#cancels.length
    const run = async () => {
      if (this.#ctx.stopping()) return
      if (this.#ctx.driver().role === 'leader') await this.#run(job)
      if (!this.#ctx.stopping()) this.#cancels[slot] = this.#ctx.platform.timers.setTimeout(() => void run(), job.intervalMs)
    }
    this.#cancels.push(this.#ctx.platform.timers.setTimeout(() => void run(), job.intervalMs))
  }

  async #run(job: Job): Promise<void> {
    const { counters, platform } = this.#ctx
    const started = platform.clock.monotonic()
    const statement: BoundStatement = { sql: job.sql, positional: [], named: null }
    const plural = job.name === 'vacuum' ? 'num_auto_vacuums' : 'num_auto_optimizes'
    try {
      const outcome = await this.#data.write([statement], {}, 'execute')
      const failed = outcome.results.find((r) => r.kind === 'error')
      if (failed?.kind === 'error') throw new Error(failed.error)
      counters.add('store', plural)
      counters.add('store', `auto_${job.name}_duration`, Math.round(platform.clock.monotonic() - started))
    } catch (e) {
      counters.add('store', `${plural}_failed`)
      if (!this.#ctx.stopping()) this.#ctx.logger.for('store').warn(`automatic ${job.sql} failed`, { error: e instanceof Error ? e.message : String(e) })
    }
  }
}
