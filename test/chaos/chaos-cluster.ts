/** A cluster of real raftlited processes, one per network namespace of a ChaosNetwork. */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { ChaosNetwork } from './netns.ts'
import { SmallDisk } from './small-disk.ts'
import { type RaftlitedProcess, restartRaftlited, startRaftlited } from '../support/raftlited-process.ts'

export const HTTP_PORT = 4001
export const RAFT_PORT = 4002

/**
 * Short timeouts so faults bite within seconds, and frequent snapshots so kills land during
 * snapshots and followers get snapshots streamed to them.
 */
export const CHAOS_NODE_ARGS = [
  '-raft-election-timeout', '1s',
  '-raft-heartbeat-timeout', '500ms',
  '-join-interval', '200ms',
  '-join-attempts', '50',
  '-raft-snap', '400',
  '-raft-snap-int', '1s',
]

export type NodeState = 'up' | 'killed' | 'paused'

export class ChaosCluster {
  readonly procs: RaftlitedProcess[] = []
  readonly state: NodeState[] = []
  /** Output of each node's earlier processes (before a restart). */
  readonly logs: string[] = []

  constructor(
    readonly net: ChaosNetwork,
    readonly dir: string,
    /** The node whose data directory lives on a small filesystem (the disk-full fault), if any. */
    readonly smallDiskNode?: number,
    readonly extraArgs: string[] = [],
  ) {
    if (smallDiskNode !== undefined) this.smallDisk = new SmallDisk(join(dir, `n${smallDiskNode}-disk`), 32 * 1024 * 1024)
  }

  readonly smallDisk?: SmallDisk

  get size(): number {
    return this.net.size
  }

  url(node: number): string {
    return `http://${this.net.address(node)}:${HTTP_PORT}`
  }

  dataDir(node: number): string {
    if (node === this.smallDiskNode) return join(this.dir, `n${node}-disk`, 'data')
    return join(this.dir, `n${node}`)
  }

  async start(): Promise<void> {
    this.smallDisk?.mount()
    const first = this.net.address(1)
    // Node 1 bootstraps, the others join it (at the same time, as a cluster is usually started).
    this.procs[0] = await this.#start(1, [])
    const others = await Promise.all(
      Array.from({ length: this.size - 1 }, (_, i) => this.#start(i + 2, ['-join', `${first}:${RAFT_PORT}`])),
    )
    others.forEach((proc, i) => (this.procs[i + 1] = proc))
    for (let node = 1; node <= this.size; node++) {
      this.state[node - 1] = 'up'
      this.logs[node - 1] = ''
    }
  }

  /** The node's test clock offset (runtimes/node/test-clock.ts), outside its data directory. */
  clockFile(node: number): string {
    return join(this.dir, `n${node}.clock`)
  }

  /** Jumps the node's wall clock to `offsetMs` from the real one (0: back to the real time). */
  shiftClock(node: number, offsetMs: number): void {
    writeFileSync(this.clockFile(node), String(offsetMs))
    if (this.state[node - 1] !== 'killed') this.proc(node).child.kill('SIGUSR2')
  }

  async #start(node: number, join: string[]): Promise<RaftlitedProcess> {
    mkdirSync(this.dataDir(node), { recursive: true })
    writeFileSync(this.clockFile(node), '0')
    return startRaftlited({
      host: this.net.address(node),
      httpPort: HTTP_PORT,
      raftPort: RAFT_PORT,
      wrapper: this.net.exec(node),
      env: { RAFTLITE_TEST_CLOCK_FILE: this.clockFile(node) },
      // Two shared cores under a workload and faults: a join or a catch-up can take a while.
      readyTimeoutMs: 90_000,
      dataDir: this.dataDir(node),
      args: ['-node-id', String(node), ...join, ...CHAOS_NODE_ARGS, ...this.extraArgs],
    })
  }

  proc(node: number): RaftlitedProcess {
    return this.procs[node - 1]!
  }

  async kill(node: number): Promise<void> {
    const proc = this.proc(node)
    proc.child.kill('SIGCONT')
    await proc.stop('SIGKILL')
    this.state[node - 1] = 'killed'
  }

  /** Starts a killed node again on its data directory. */
  async restart(node: number): Promise<void> {
    this.logs[node - 1] = `${this.logs[node - 1] ?? ''}${this.proc(node).stderr()}\n--- restarted ---\n`
    this.procs[node - 1] = await restartRaftlited(this.proc(node))
    this.state[node - 1] = 'up'
  }

  /**
   * The remedy for a node that refuses to start on a corrupt disk (docs/log-format.md): remove it
   * from the cluster, move its data directory aside, and join it again empty, so it gets a
   * snapshot and the log from the leader.
   */
  async rejoinEmpty(node: number): Promise<void> {
    const others = Array.from({ length: this.size }, (_, i) => i + 1).filter((n) => n !== node)
    const deadline = Date.now() + 60_000
    let removed = false
    while (!removed && Date.now() < deadline) {
      for (const other of others) {
        try {
          const res = await fetch(`${this.url(other)}/remove`, { method: 'DELETE', body: JSON.stringify({ id: String(node) }), signal: AbortSignal.timeout(5_000) })
          if (res.ok) removed = true
          await res.body?.cancel()
        } catch {
          // paused, partitioned or down: try the next
        }
        if (removed) break
      }
      if (!removed) await new Promise((r) => setTimeout(r, 500))
    }
    if (!removed) throw new Error(`could not remove node ${node} from the cluster within 60 s`)
    this.logs[node - 1] = `${this.logs[node - 1] ?? ''}${this.proc(node).stderr()}\n--- removed, data directory moved aside, joined again empty ---\n`
    renameSync(this.dataDir(node), `${this.dataDir(node)}.corrupt-${Date.now()}`)
    const join = others.map((n) => `${this.net.address(n)}:${RAFT_PORT}`).join(',')
    this.procs[node - 1] = await this.#start(node, ['-join', join])
    this.state[node - 1] = 'up'
  }

  pause(node: number): void {
    this.proc(node).child.kill('SIGSTOP')
    this.state[node - 1] = 'paused'
  }

  resume(node: number): void {
    this.proc(node).child.kill('SIGCONT')
    this.state[node - 1] = 'up'
  }

  /** Whether the process is gone on its own (a crash, or exit 1 after a failed fsync). */
  exited(node: number): boolean {
    const child = this.proc(node).child
    return this.state[node - 1] !== 'killed' && (child.exitCode !== null || child.signalCode !== null)
  }

  /** The node that says it leads, asked of every running node with a short timeout. */
  async leader(): Promise<number | undefined> {
    for (let node = 1; node <= this.size; node++) {
      if (this.state[node - 1] !== 'up') continue
      try {
        const res = await fetch(`${this.url(node)}/status`, { signal: AbortSignal.timeout(1_000) })
        const status = (await res.json()) as { store?: { raft?: { state?: string } } }
        if (status.store?.raft?.state === 'Leader') return node
      } catch {
        // unreachable or paused
      }
    }
    return undefined
  }

  /** Brings every node back: resumes the paused, restarts the killed and the crashed. */
  async reviveAll(): Promise<void> {
    for (let node = 1; node <= this.size; node++) {
      if (this.state[node - 1] === 'paused') this.resume(node)
      if (this.state[node - 1] === 'killed' || this.exited(node)) await this.restart(node)
    }
  }

  /** Kills every process (SIGCONT first so a stopped one can die); synchronous, for exit handlers. */
  /** Kills every process and unmounts the small disk; synchronous, for exit handlers. */
  teardown(): void {
    this.killAll()
    this.smallDisk?.unmount()
  }

  killAll(): void {
    for (const proc of this.procs) {
      if (!proc || proc.child.exitCode !== null || proc.child.signalCode !== null) continue
      try {
        proc.child.kill('SIGCONT')
        proc.child.kill('SIGKILL')
      } catch {
        // already gone
      }
    }
  }
}
