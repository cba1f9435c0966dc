// A tiny Worker that runs the remote client's smoke sequence (../smoke-sequence.ts, the same one
// Node, Deno and Bun run) from inside workerd: POST / with `{"hosts": [...]}` (and optionally
// `"failoverTimeoutMs"`) answers the JSON summary, or a 500 with the error's name and its causes.
import { runSmoke } from '../smoke-sequence.ts'

export default {
  async fetch(request: Request): Promise<Response> {
    if (request.method !== 'POST') return new Response('POST {"hosts": ["http://..."]}', { status: 405 })
    let hosts: unknown, failoverTimeoutMs: unknown
    try {
      ({ hosts, failoverTimeoutMs } = (await request.json()) as { hosts?: unknown; failoverTimeoutMs?: unknown })
    } catch {
      return new Response('the body must be JSON', { status: 400 })
    }
    if (!Array.isArray(hosts) || hosts.length === 0 || !hosts.every((h) => typeof h === 'string')) {
      return new Response('"hosts" must be a non-empty array of URLs', { status: 400 })
    }
    if (failoverTimeoutMs !== undefined && typeof failoverTimeoutMs !== 'number') {
      return new Response('"failoverTimeoutMs" must be a number of milliseconds', { status: 400 })
    }
    try {
      return Response.json(await runSmoke(hosts, failoverTimeoutMs))
    } catch (e) {
      return Response.json({ error: e instanceof Error ? e.name : 'unknown', chain: describeChain(e) }, { status: 500 })
    }
  },
}

function describeChain(e: unknown): string[] {
  const chain: string[] = []
  for (let x: unknown = e, depth = 0; x !== undefined && depth < 5; x = (x as { cause?: unknown }).cause, depth++) {
    chain.push(x instanceof Error ? `${x.name}: ${x.message}` : String(x))
  }
  return chain
}
