/** Limits on what one request may ask (statements, parameters), each refused with 400 and a reason. */
import type { Statement } from '../api/parse-statements.ts'
import { RequestError } from '../api/request-error.ts'
import type { NodeOptions } from '../node/node-options.ts'

export function checkRequestLimits(statements: readonly Statement[], limits: Pick<NodeOptions, 'httpMaxStatements' | 'httpMaxParams'>): void {
  if (statements.length > limits.httpMaxStatements) {
    throw new RequestError(`too many statements: ${statements.length} (at most ${limits.httpMaxStatements} per request)`)
  }
  statements.forEach((s, i) => {
    const count = s.positional.length + (s.named ? Object.keys(s.named).length : 0)
    if (count > limits.httpMaxParams) throw new RequestError(`statement ${i + 1} has ${count} parameters (at most ${limits.httpMaxParams})`)
  })
}
