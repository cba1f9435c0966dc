/** A statement failed; `statementIndex` says which one of a batch. */
export class RaftliteError extends Error {
  constructor(message: string, readonly statementIndex: number) {
    super(message)
    this.name = 'RaftliteError'
  }
}
