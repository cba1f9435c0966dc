// Minimal typing for the bench's use of better-sqlite3 (a dev-only ceiling, not a dependency of raftlite).
declare module 'better-sqlite3' {
  interface Statement {
    run(...params: unknown[]): unknown
    get(...params: unknown[]): unknown
  }
  class Database {
    constructor(path: string)
    pragma(source: string): unknown
    exec(sql: string): void
    prepare(sql: string): Statement
    close(): void
  }
  export default Database
}
