/**
 * Hands a request a follower cannot serve (a backup of the leader's data, a load) to the leader:
 * 301 to the leader's API with `?redirect`, else the request is replayed against the leader's
 * API and its answer streamed back (bodies both ways are streamed, never held whole). A request
 * that was forwarded once is never forwarded again, so stale leader knowledge cannot loop it.
 */
import type { DataRequest } from './data-routes.ts'
import { textError } from './respond.ts'

const FORWARDED = 'X-Raftlite-Forwarded'
/** What travels from the client to the leader and back; nothing hop-by-hop. */
const REQUEST_HEADERS = ['authorization', 'content-type', 'content-length']
const RESPONSE_HEADERS = ['content-type', 'content-length', 'location', 'x-rqlite-served-by']

/** A response for a follower's request, or undefined when this node serves it itself. */
export async function forwardToLeader(r: DataRequest): Promise<Response | undefined> {
  if (r.node.isLeader) return undefined
  const leader = r.node.leader()
  if (!leader) return textError(503, 'leader not found')
  const url = new URL(r.request.url)
  const target = `${leader.apiAddr}${url.pathname}${url.search}`
  if (r.params.redirect) return new Response(null, { status: 301, headers: { Location: target, 'Content-Type': 'text/plain; charset=utf-8' } })
  if (r.request.headers.has(FORWARDED)) return textError(503, 'not leader')
  const headers = new Headers({ [FORWARDED]: r.node.id })
  for (const name of REQUEST_HEADERS) {
    const value = r.request.headers.get(name)
    if (value !== null) headers.set(name, value)
  }
  let answer: Response
  try {
    answer = await fetch(target, {
      method: r.request.method,
      headers,
      body: r.request.body,
      redirect: 'manual',
      ...({ duplex: 'half' } as object), // a streamed request body (Node's fetch requires saying so)
    })
  } catch (e) {
    return textError(503, `leader not contactable: ${e instanceof Error ? e.message : String(e)}`)
  }
  const out = new Headers()
  for (const name of RESPONSE_HEADERS) {
    const value = answer.headers.get(name)
    if (value !== null) out.set(name, value)
  }
  return new Response(answer.body, { status: answer.status, headers: out })
}
