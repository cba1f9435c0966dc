/**
 * A committed write failed on this node's own disk (full, or an I/O error), not on its own
 * terms. Not a statement result: other replicas may have applied the write, so the node must
 * stop rather than answer "failed" and run on without it.
 */
export class LocalApplyError extends Error {
  constructor(detail: string) {
    super(`could not apply a committed write on this node's disk (${detail}); stopping rather than diverge from the other replicas`)
    this.name = 'LocalApplyError'
  }
}
