/** A cluster of real raftlited processes on loopback. */
import { freePort } from './free-port.ts'
import { type RaftlitedProcess, type Runtime, restartRaftlited, startRaftlited, tempDataDir } from './raftlited-process.ts'

export const FAST_ELECTION = ['-raft-election-timeout', '500ms', '-raft-heartbeat-timeout', '500ms', '-join-interval', '200ms']

export interface ClusterOptions {
  size: number
  /** Short election timeouts to keep tests quick (default true); false keeps raftlited's defaults. */
  fast?: boolean
  runtimes?: Runtime[]
  extraArgs?: string[]
}

/** Starts node 1, then the others joining it; resolves when all are ready. */
export async function startCluster(options: ClusterOptions): Promise<RaftlitedProcess[]> {
  const FAST_ELECTION_ARGS = options.fast === false ? ['-join-interval', '200ms'] : FAST_ELECTION
  const procs: RaftlitedProcess[] = []
  const first = await startRaftlited({
    runtime: options.runtimes?.[0],
    args: ['-node-id', '1', ...FAST_ELECTION_ARGS, ...(options.extraArgs ?? [])],
  })
  procs.push(first)
  const others = await Promise.all(
    Array.from({ length: options.size - 1 }, async (_, i) => {
      const raftPort = await freePort()
      return startRaftlited({
        runtime: options.runtimes?.[i + 1],
        raftPort,
        dataDir: tempDataDir(),
        args: ['-node-id', String(i + 2), '-join', first.raftAddr, '-join-attempts', '25', ...FAST_ELECTION_ARGS, ...(options.extraArgs ?? [])],
      })
    }),
  )
  procs.push(...others)
  // Joins burn CPU (each node compiles SQLite's WASM): leadership may still move meanwhile.
  await settledLeader(procs)
  return procs
}

export async function leaderOf(procs: RaftlitedProcess[]): Promise<RaftlitedProcess | undefined> {
  for (const p of procs) {
    if (p.child.exitCode !== null || p.child.signalCode !== null) continue
    try {
      const status = JSON.parse(await (await fetch(`${p.url}/status`)).text())
      if (status.store.raft.state === 'Leader') return p
    } catch {
      // down
    }
  }
  return undefined
}

const running = (p: RaftlitedProcess) => p.child.exitCode === null && p.child.signalCode === null

/**
 * The leader, once every running node in `procs` names the same one. Right after a start, a
 * kill or a pause, a loaded machine may still be changing leaders (500 ms election timeouts
 * here): a leader seen by one poll can be gone by the next request, which then fails with 503.
 */
export async function settledLeader(procs: RaftlitedProcess[], timeoutMs = 30_000): Promise<RaftlitedProcess> {
  return waitFor('a leader every running node names', async () => {
    const leader = await leaderOf(procs)
    if (!leader) return undefined
    const named = await Promise.all(
      procs.filter(running).map(async (p) => {
        const status = JSON.parse(await (await fetch(`${p.url}/status`, { signal: AbortSignal.timeout(5_000) })).text())
        return `${status.store.raft.term}/${status.store.leader.addr}`
      }),
    )
    return named.every((n) => n === named[0]) && named[0].split('/')[1] !== '' ? leader : undefined
  }, timeoutMs)
}

export { restartRaftlited }

/** When `p` logged that it became leader after `since` (its own log's clock, this machine's). */
export function becameLeaderAt(p: RaftlitedProcess, since: number): number | undefined {
  for (const line of p.stderr().split('\n')) {
    if (!line.includes('"leader changed"') || !line.includes('"self":true')) continue
    const at = Date.parse(JSON.parse(line).time)
    if (at >= since) return at
  }
  return undefined
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  while (Date.now() < deadline) {
    try {
      const v = await probe()
      if (v !== undefined && v !== false) return v
    } catch (e) {
      last = e
    }
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`)
}

export async function execute(url: string, body: unknown, query = ''): Promise<{ status: number; text: string; headers: Headers }> {
  const res = await fetch(`${url}/db/execute${query}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    redirect: 'manual',
  })
  return { status: res.status, text: await res.text(), headers: res.headers }
}

export async function queryText(url: string, sql: string, params = ''): Promise<string> {
  return (await fetch(`${url}/db/query?q=${encodeURIComponent(sql)}${params}`)).text()
}
