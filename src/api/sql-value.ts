/**
 * A value bound to, or read from, SQLite.
 *
 * Integers are always `bigint` (exact over the full int64 range), REALs are
 * `number`, and booleans stay `boolean` so the engine can bind them as 1/0
 * (rqlite keeps a separate bool parameter type for the same reason).
 */
export type SqlValue = null | bigint | number | string | boolean | Uint8Array

/** Smallest and largest int64, the range rqlite accepts as INTEGER. */
export const INT64_MIN = -(2n ** 63n)
export const INT64_MAX = 2n ** 63n - 1n
