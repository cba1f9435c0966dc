/**
 * The web console: `GET /console` serves one self-contained page (src/console), and
 * `GET /console/cluster` the cluster as the leader sees it — members, term, applied index and
 * each follower's lag. A follower asks the leader's API for that view (the browser only ever
 * talks to the node that served the page), and falls back to its own when the leader is
 * unreachable.
 */
import { CONSOLE_PAGE } from '../console/console-page.ts'
import type { ApiNode } from '../node/node-api-port.ts'
import { apiUrl } from '../node/api-url.ts'
import { empty, json } from './respond.ts'

export interface ClusterView {
  /** Node that computed the view (the leader, unless it could not be reached). */
  source: string
  leader: string
  term: number
  commit: number
  members: { id: string; apiAddr: string; raftAddr: string; voter: boolean; leader: boolean; index: number | null; lag: number | null }[]
}

const HTML_HEADERS = {
  'Content-Type': 'text/html; charset=utf-8',
  // Everything the page needs is inline; it talks only to the node that served it.
  'Content-Security-Policy': "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Cache-Control': 'no-cache',
}

export function handleConsolePage(request: Request): Response {
  if (request.method !== 'GET' && request.method !== 'HEAD') return empty(405)
  return new Response(request.method === 'HEAD' ? null : CONSOLE_PAGE, { headers: HTML_HEADERS })
}

export async function handleConsoleCluster(node: ApiNode, request: Request, local: boolean): Promise<Response> {
  if (request.method !== 'GET') return empty(405)
  const leader = node.leader()
  if (!local && leader && leader.id !== node.id) {
    try {
      const res = await fetch(`${leader.apiAddr}/console/cluster?local`, { signal: AbortSignal.timeout(2000) })
      if (res.ok) return json((await res.json()) as never)
    } catch {
      // The leader's view is out of reach: this node's own follows.
    }
  }
  return json(localView(node) as never)
}

export function localView(node: ApiNode): ClusterView {
  const status = node.raftStatus()
  const leaderId = node.leader()?.id ?? ''
  const matches = new Map(node.replication().map((r) => [r.id, r.match]))
  const isLeader = leaderId === node.id
  return {
    source: node.id,
    leader: leaderId,
    term: status.term,
    commit: status.commit,
    members: node.members().map((m) => {
      const self = m.id === node.id
      const match = self ? node.appliedIndex : matches.get(m.id)
      return {
        id: m.id,
        apiAddr: apiUrl(m.apiAddr),
        raftAddr: m.raftAddr,
        voter: m.voter,
        leader: m.id === leaderId,
        index: match ?? null,
        lag: isLeader && match !== undefined ? Math.max(0, status.lastIndex - match) : null,
      }
    }),
  }
}
