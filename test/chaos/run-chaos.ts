/**
 * `npm run chaos -- [--minutes N | --seconds N] [--seed S] [--nodes 3|5] [--out DIR] [--faults k1,k2]`
 * `npm run chaos -- --cleanup` removes what a run killed by SIGKILL left behind.
 * `npm run chaos -- --recheck DIR` checks a finished run's saved history again, offline.
 *
 * A cluster of real raftlited processes, each in its own network namespace, under three
 * workloads while faults are injected on a seeded schedule; then every node is brought back,
 * the history is checked by the oracles and a report is written (docs/chaos.md). Exits 1 when
 * any anomaly is found. Needs root (network namespaces), iproute2 and nftables.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { buildDist } from '../../scripts/build.mjs'
import { longestGap, recoveries, worstGapByKind } from './availability.ts'
import { ChaosCluster } from './chaos-cluster.ts'
import { call } from './client-call.ts'
import { FAULT_KINDS, type FaultKind, type InjectedFault, injectFault, planFaults, storageFailed } from './faults.ts'
import { HistoryFile } from './history.ts'
import { ChaosNetwork, removeLeftovers } from './netns.ts'
import { type Anomaly, checkLedger, checkRegister, checkSet } from './oracles.ts'
import { peakRssMiB, recheckRun } from './recheck.ts'
import { formatReport, type RunReport } from './report.ts'
import { REGISTER_KEYS, SCHEMA, TOTAL, Workload } from './workload.ts'

export interface ChaosOptions {
  seconds: number
  seed: number
  nodes: number
  out?: string
  faults?: readonly FaultKind[]
  /** Progress lines; silent by default. */
  log?: (line: string) => void
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Checks what the harness needs before touching anything, with a message that says what is missing. */
export function chaosPrerequisites(): string | undefined {
  if (process.getuid?.() !== 0) return 'the chaos harness needs root (it makes network namespaces)'
  for (const tool of ['ip', 'nft', 'tc']) {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' })
    } catch {
      return `the chaos harness needs \`${tool}\` (apt-get install -y ${tool === 'nft' ? 'nftables' : 'iproute2'})`
    }
  }
  return undefined
}

export async function runChaos(options: ChaosOptions): Promise<RunReport> {
  const missing = chaosPrerequisites()
  if (missing) throw new Error(missing)
  const log = options.log ?? (() => {})
  const dir = options.out ?? join(tmpdir(), 'raftlite-chaos', `seed-${options.seed}-${new Date().toISOString().replace(/[:.]/g, '-')}`)
  mkdirSync(dir, { recursive: true })
  const id = process.pid % 10_000
  const net = new ChaosNetwork(`rlc${id}`, `10.79.${id % 250}`, options.nodes)
  const kinds = options.faults ?? FAULT_KINDS
  const cluster = new ChaosCluster(net, dir, kinds.includes('disk-full') ? options.nodes : undefined)
  // Whatever happens — an error, ctrl-C, a kill of the harness by SIGTERM — processes and
  // namespaces go. (SIGKILL of the harness cannot be caught: `ip netns list | grep rlc` then.)
  const cleanup = () => {
    cluster.teardown()
    net.teardown()
  }
  // `on`, not `once`: ctrl-C reaches the harness twice (from the terminal and relayed by tsx),
  // and a second SIGINT with no listener left would kill it in the middle of its cleanup.
  let exiting = false
  const onSignal = (signal: NodeJS.Signals) => {
    if (exiting) return
    exiting = true
    cleanup()
    process.exit(signal === 'SIGINT' ? 130 : 143)
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  process.once('exit', cleanup)
  try {
    log(`chaos: seed ${options.seed}, ${options.nodes} nodes, ${options.seconds} s, in ${dir}`)
    // As the tests' setup does: the nodes run the bundle users run, never a stale one (nor tsx).
    await buildDist()
    await net.setup()
    await cluster.start()
    log(`chaos: cluster up (${Array.from({ length: options.nodes }, (_, i) => net.address(i + 1)).join(', ')})`)
    await createSchema(cluster)
    const history = new HistoryFile(join(dir, 'history.jsonl'))
    const workload = new Workload(cluster, history, options.seed)
    const running = workload.run({ registers: 3, ledgers: 2, sets: 1 })
    const plan = planFaults(options.seed, options.seconds * 1000, kinds)
    writeFileSync(join(dir, 'schedule.json'), JSON.stringify({ seed: options.seed, nodes: options.nodes, plan }, null, 2))
    const injected: InjectedFault[] = []
    const anomalies: Anomaly[] = []
    const deadline = workload.t0 + options.seconds * 1000
    for (const fault of plan) {
      // Restarts take a few seconds more than planned: never let the faults outrun the run.
      if (performance.now() + fault.after + fault.duration > deadline) break
      await sleep(fault.after)
      const done = await injectFault(cluster, fault, () => workload.now())
      injected.push(done)
      log(`chaos: ${(done.start / 1000).toFixed(1)}s ${done.kind} on ${done.nodes.join(',')}${done.detail ? ` (${done.detail})` : ''}, healed at ${(done.healed / 1000).toFixed(1)}s`)
      for (let node = 1; node <= options.nodes; node++) {
        if (!cluster.exited(node)) continue
        const proc = cluster.proc(node)
        if (node === cluster.smallDiskNode && storageFailed(proc.stderr()) && injected.some((f) => f.kind === 'disk-full')) {
          // The full disk's expected stop, finished after that fault's heal: start it again.
          log(`chaos: node ${node} stopped on its full disk after the fault's heal; restarting it`)
          await cluster.restart(node)
          continue
        }
        anomalies.push({ workload: 'replicas', what: `node ${node} exited by itself (code ${proc.child.exitCode}, signal ${proc.child.signalCode}) after ${done.kind}`, ops: [proc.stderr().slice(-2000)] })
        await cluster.restart(node)
      }
    }
    await sleep(Math.max(0, deadline - performance.now()))
    workload.stop()
    await running
    const end = workload.now()
    log(`chaos: workload stopped at ${(end / 1000).toFixed(1)}s; ${history.ops.length} ops; bringing every node back`)
    await cluster.reviveAll()
    const final = await finalState(cluster)
    for (let key = 0; key < REGISTER_KEYS; key++) await workload.readRegister(99, final.leader, key, 'linearizable')
    saveLogs(cluster, dir)

    const checkStart = performance.now()
    const register = checkRegister(history.ops)
    const checker = { ms: Math.round(performance.now() - checkStart), peakRssMiB: peakRssMiB() }
    anomalies.push(...register.anomalies, ...checkLedger(history.ops, TOTAL, final.sums), ...checkSet(history.ops, final.sets), ...final.problems)
    const report: RunReport = {
      seed: options.seed,
      nodes: options.nodes,
      seconds: options.seconds,
      dir,
      faults: injected,
      ops: history.ops,
      registerKeys: register.keys.map(({ counterexample: _, ...rest }) => rest),
      checker,
      anomalies,
      availability: {
        longestGap: longestGap(workload.acks, 0, end),
        recoveries: recoveries(workload.acks, injected),
        worstGapByKind: worstGapByKind(workload.acks, injected, end),
      },
    }
    writeFileSync(join(dir, 'report.txt'), formatReport(report))
    writeFileSync(join(dir, 'report.json'), JSON.stringify({ ...report, ops: undefined }, null, 2))
    return report
  } finally {
    cleanup()
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    process.off('exit', cleanup)
  }
}

async function createSchema(cluster: ChaosCluster): Promise<void> {
  const deadline = Date.now() + 30_000
  while (Date.now() < deadline) {
    const r = await call(cluster.url(1), '/db/execute?transaction', SCHEMA, 5_000)
    if (r.outcome === 'ok') return
    await sleep(200)
  }
  throw new Error('could not create the schema within 30 s')
}

interface FinalState {
  leader: number
  sums: Map<number, number | null>
  sets: Map<number, Set<number>>
  problems: Anomaly[]
}

/**
 * Waits for a leader and for every node to hold what the leader holds (a node that never
 * catches up within a minute is itself an anomaly), then reads each node's sum and set.
 */
async function finalState(cluster: ChaosCluster): Promise<FinalState> {
  const problems: Anomaly[] = []
  const deadline = Date.now() + 60_000
  let leader: number | undefined
  let reference: Set<number> | undefined
  while (Date.now() < deadline && reference === undefined) {
    leader = await cluster.leader()
    if (leader !== undefined) reference = await readSet(cluster, leader, 'linearizable')
    if (reference === undefined) await sleep(250)
  }
  if (leader === undefined || reference === undefined) throw new Error('no leader answered a linearizable read within 60 s after the run')
  const sets = new Map<number, Set<number>>([[leader, reference]])
  const sums = new Map<number, number | null>()
  for (let node = 1; node <= cluster.size; node++) {
    let set: Set<number> | undefined
    while (Date.now() < deadline) {
      set = await readSet(cluster, node, 'none')
      if (set && set.size >= reference.size && [...reference].every((v) => set!.has(v))) break
      await sleep(250)
    }
    if (!set) problems.push({ workload: 'replicas', what: `node ${node} did not answer its final read` })
    else sets.set(node, set)
    const r = await call(cluster.url(node), '/db/query?level=none', [['SELECT SUM(bal) FROM acct']], 5_000)
    sums.set(node, r.outcome === 'ok' ? ((r.body?.results?.[0]?.values?.[0]?.[0] as number) ?? null) : null)
  }
  // Every row of the other tables too, node by node against the leader: a replica that serves
  // a damaged or missing row differs here even where no client read it back.
  const rows = async (node: number) => JSON.stringify((await call(cluster.url(node), '/db/query?level=none', [['SELECT k, v FROM reg ORDER BY k'], ['SELECT id, bal FROM acct ORDER BY id']], 5_000)).body?.results)
  const want = await rows(leader)
  for (let node = 1; node <= cluster.size; node++) {
    if (node === leader) continue
    // It may still be applying the last writes: give it until the deadline to catch up.
    let got = await rows(node)
    while (got !== want && Date.now() < deadline) {
      await sleep(250)
      got = await rows(node)
    }
    if (got !== want) problems.push({ workload: 'replicas', what: `node ${node}'s registers or accounts differ from the leader's`, ops: [`leader ${want}`, `node ${node} ${got}`] })
  }
  return { leader, sums, sets, problems }
}

async function readSet(cluster: ChaosCluster, node: number, level: string): Promise<Set<number> | undefined> {
  const r = await call(cluster.url(node), `/db/query?level=${level}`, [['SELECT v FROM items']], 10_000)
  if (r.outcome !== 'ok') return undefined
  return new Set((r.body?.results?.[0]?.values ?? []).map((row) => row[0] as number))
}

function saveLogs(cluster: ChaosCluster, dir: string): void {
  for (let node = 1; node <= cluster.size; node++) writeFileSync(join(dir, `n${node}.log`), cluster.logs[node - 1] + cluster.proc(node).stderr())
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      minutes: { type: 'string' },
      seconds: { type: 'string' },
      seed: { type: 'string' },
      nodes: { type: 'string', default: '3' },
      out: { type: 'string' },
      faults: { type: 'string' },
      cleanup: { type: 'boolean' },
      recheck: { type: 'string' },
    },
  })
  if (values.recheck !== undefined) {
    const { text, anomalies } = recheckRun(values.recheck)
    console.log(text)
    process.exit(anomalies.length === 0 ? 0 : 1)
  }
  if (values.cleanup) {
    const removed = removeLeftovers()
    console.log(removed.length ? removed.join('\n') : 'nothing left over')
    return
  }
  const seconds = values.seconds !== undefined ? Number(values.seconds) : Number(values.minutes ?? '1') * 60
  const seed = values.seed !== undefined ? Number(values.seed) : Math.floor(Math.random() * 1_000_000)
  const nodes = Number(values.nodes)
  const faults = values.faults?.split(',') as FaultKind[] | undefined
  const unknown = faults?.filter((f) => !FAULT_KINDS.includes(f))
  if (!(seconds > 0) || !Number.isInteger(seed) || ![3, 5].includes(nodes) || unknown?.length) {
    console.error(`usage: npm run chaos -- [--minutes N | --seconds N] [--seed S] [--nodes 3|5] [--out DIR] [--faults ${FAULT_KINDS.join(',')}] | --cleanup | --recheck DIR${unknown?.length ? `\nunknown fault kinds: ${unknown.join(', ')}` : ''}`)
    process.exit(2)
  }
  const report = await runChaos({ seconds, seed, nodes, out: values.out, faults, log: (line) => console.log(line) })
  console.log(formatReport(report))
  process.exit(report.anomalies.length === 0 ? 0 : 1)
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((e) => {
    console.error(e instanceof Error ? e.stack : e)
    process.exit(1)
  })
}
