import type { FilePort } from '../ports/file-port.ts'
import { type Clock, systemClock } from '../ports/clock.ts'
import { type RandomSource, cryptoRandom } from '../ports/random.ts'
import { type Timers, globalTimers } from '../ports/timers.ts'
import type { OpenWebSocket } from '../ports/web-socket.ts'
import type { Logger } from '../observe/logger.ts'
import type { DnsResolver } from '../ports/dns.ts'
import type { TlsFetch } from '../ports/tls-fetch.ts'
import type { Engine, EngineOpenOptions } from '../db/engine.ts'

/** Everything a node needs from its runtime. Runtime entry points (`runtimes/*`) provide it. */
export interface Platform {
  files: FilePort
  clock: Clock
  random: RandomSource
  timers: Timers
  /** Opens a WebSocket to a peer (Raft streams); without it, Raft messages go by HTTP POST. */
  openWebSocket?: OpenWebSocket
  /** Name and version of the runtime, for /status (e.g. `node v20.20.2`). */
  runtime: { name: string; version: string; pid?: number; hostname?: string }
  /** Where the node's log lines go (see src/observe/logger.ts); silent when absent. */
  logger?: Logger
  /** DNS lookups, for `-disco-mode dns` and `dns-srv`; absent where the runtime has none. */
  dns?: DnsResolver
  /** Environment variables (for `$VAR` in configuration files); absent where not allowed. */
  env?: (name: string) => string | undefined
  /** `fetch` with a private CA, client certificate or no verification (the CDC webhook's `tls`). */
  tlsFetch?: TlsFetch
  /**
   * Runs the database in a worker (docs/engine.md): SQLite then never holds the event loop.
   * Absent (runtimes without threads, memory files), the database runs in the thread.
   */
  startEngine?: (options: EngineOpenOptions) => Promise<Engine>
}

export function platformWith(files: FilePort, overrides: Partial<Platform> = {}): Platform {
  return {
    files,
    clock: systemClock,
    random: cryptoRandom,
    timers: globalTimers,
    runtime: { name: 'unknown', version: '' },
    ...overrides,
  }
}
