/**
 * The durable Raft log: segment files with CRC-32C records, an atomic state file, crash recovery.
 * @module
 */
export { DurableLog } from './durable-log.ts'
export type { DurableLogOptions } from './durable-log.ts'
export { LogCorruptionError } from './log-corruption-error.ts'
export { crc32c } from './crc32c.ts'
