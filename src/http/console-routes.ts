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
      // Another node's answer is untrusted: only a well-formed view is passed on.
      const view = res.ok ? checkedView(await res.json()) : null
      if (view) return json(view as never)
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

/** `value` as a ClusterView with only its known fields, or null if it is not one. */
export function checkedView(value: unknown): ClusterView | null {
  const o = value as Partial<ClusterView> | null
  const str = (v: unknown): v is string => typeof v === 'string' && v.length <= 1024
  const num = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v)
  const numOrNull = (v: unknown): v is number | null => v === null || num(v)
  if (!o || typeof o !== 'object' || !str(o.source) || !str(o.leader) || !num(o.term) || !num(o.commit) || !Array.isArray(o.members) || o.members.length > 1000) return null
  const members: ClusterView['members'] = []
  for (const m of o.members as unknown[]) {
    const x = m as ClusterView['members'][number] | null
    if (!x || typeof x !== 'object' || !str(x.id) || !str(x.apiAddr) || !str(x.raftAddr) || typeof x.voter !== 'boolean' || typeof x.leader !== 'boolean' || !numOrNull(x.index) || !numOrNull(x.lag)) return null
    members.push({ id: x.id, apiAddr: x.apiAddr, raftAddr: x.raftAddr, voter: x.voter, leader: x.leader, index: x.index, lag: x.lag })
  }
  return { source: o.source, leader: o.leader, term: o.term, commit: o.commit, members }
}
