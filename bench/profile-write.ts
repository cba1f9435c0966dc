/**
 * `npx tsx bench/profile-write.ts [seconds]` — where a key/value write's time goes on a 3-node
 * Node cluster under 32 clients (issue #19): CPU profiles of the leader and one follower, main
 * thread and engine worker each, by self time per file and per function; then, with strace
 * attached to both for a few seconds, system calls per committed write and bytes written per
 * committed write to each file (Raft log, WAL, database). Profiles are proportions, usable on a
 * loaded machine; strace slows the nodes, so its counts are per write, not per second.
 * `perf` mode (third argument): `perf record -e cpu-clock` of the leader and a follower for a few
 * seconds, every thread, then CPU per committed write by thread (main, engine worker, V8's GC and
 * JIT helpers, libuv's pool), the share that is garbage collection, and the JS functions it
 * goes to: CPU actually used, where `--cpu-prof` samples wall time (bench/perf-summary.ts).
 * Extra node flags: RAFTLITE_PROFILE_ARGS="-raft-snap-wal-size 0"; RAFTLITE_PROFILE_KEEP=1 keeps the recordings.
 */
import { spawn } from 'node:child_process'
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { leaderOf, waitFor } from '../test/support/cluster-processes.ts'
import { ROOT, startRaftlited } from '../test/support/raftlited-process.ts'
import { runLoad } from './http-load.ts'
import { CREATE_KV, fillKv, kvUpsert } from './write-shapes.ts'
import { okWrite } from './workload.ts'
import { type Profile, selfTimes, topShares } from './cpu-profile.ts'
import { perfSummary } from './perf-summary.ts'

const seconds = Number(process.argv[2] ?? 15)
// `cpu`: profiles only; `strace`: syscalls and bytes only (the profiler's sampling signals would
// be counted as the node's own system calls); `perf`: CPU samples only.
const mode = process.argv[3] ?? 'cpu'
if (!['cpu', 'strace', 'perf'].includes(mode)) throw new Error(`mode: expected cpu, strace or perf, got ${mode}`)
const perfHz = 1999
/** RAFTLITE_PROFILE_KEEP=1 keeps the raw recordings for a closer look. */
const keep = process.env.RAFTLITE_PROFILE_KEEP === '1'
const straceSeconds = 4
const profDir = mkdtempSync(join(tmpdir(), 'raftlite-prof-'))
// Node 20 refuses --cpu-prof in NODE_OPTIONS: run the nodes through a wrapper that passes it.
const wrapper = join(profDir, 'node-cpu-prof.sh')
const profileFlags = { cpu: `--cpu-prof --cpu-prof-dir=${profDir}`, perf: '--perf-basic-prof-only-functions --interpreted-frames-native-stack', strace: '' }[mode]
writeFileSync(wrapper, `#!/bin/sh\nexec ${process.execPath} ${profileFlags} "$@"\n`)
chmodSync(wrapper, 0o755)
const extra = (process.env.RAFTLITE_PROFILE_ARGS ?? '').split(' ').filter(Boolean)
const args = (id: number) => ['-node-id', String(id), '-join-interval', '200ms', ...extra]
const first = await startRaftlited({ nodeBinary: wrapper, args: args(1) })
const procs = [first, ...(await Promise.all([2, 3].map((id) => startRaftlited({ nodeBinary: wrapper, args: [...args(id), '-join', first.raftAddr] }))))]
await waitFor('a leader', () => leaderOf(procs))

const strace = (pid: number, out: string, extraArgs: string[]) =>
  new Promise<void>((resolve) => {
    const s = spawn('strace', ['-f', '-qq', '-o', out, ...extraArgs, '-p', String(pid)], { stdio: 'ignore' })
    setTimeout(() => s.kill('SIGINT'), straceSeconds * 1000)
    s.on('exit', () => resolve())
  })
const fdPaths = (pid: number) => {
  const m = new Map<string, string>()
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      m.set(fd, readlinkSync(`/proc/${pid}/fd/${fd}`).replace(/.*\//, ''))
    } catch { /* closed meanwhile */ }
  }
  return m
}

/** A load of upserts, started and running for 1.5 s; committed writes count only between `start()` and `stop()`. */
async function countedLoad(url: string) {
  let counted = 0
  let counting = false
  const ok = (status: number, body: string) => {
    const good = okWrite(status, body)
    if (good && counting) counted++
    return good
  }
  const done = runLoad(url, { clients: 32, seconds: straceSeconds + 4, maxOps: 1_000_000, next: kvUpsert, ok })
  await new Promise((r) => setTimeout(r, 1500))
  return {
    done,
    start: () => void (counting = true),
    stop: () => {
      counting = false
      return counted
    },
  }
}

let leaderPid = 0
let followerPid = 0
const report: string[] = []
try {
  const leader = (await leaderOf(procs))!
  const follower = procs.find((p) => p !== leader)!
  leaderPid = leader.child.pid!
  followerPid = follower.child.pid!
  await fetch(`${leader.url}/db/execute`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify([CREATE_KV]) })
  await fillKv(leader.url)
  const r = await runLoad(leader.url, { clients: 32, seconds, maxOps: 1_000_000, next: kvUpsert, ok: okWrite })
  report.push(`load (${mode}): ${r.opsPerSecond.toFixed(0)} upserts/s, p50 ${r.p50Ms.toFixed(2)} ms, p99 ${r.p99Ms.toFixed(2)} ms, errors ${r.errors}`)

  // Two strace passes under the same load: syscall counts (-c), then the writes' sizes by file.
  for (const pass of mode === 'strace' ? ['count', 'bytes'] as const : []) {
    const load = await countedLoad(leader.url)
    const fds = [fdPaths(leaderPid), fdPaths(followerPid)]
    const opts = pass === 'count' ? ['-c'] : ['-e', 'trace=write,pwrite64,writev,pwritev,pwritev2', '-s', '0']
    load.start()
    await Promise.all([strace(leaderPid, join(profDir, `${pass}-leader`), opts), strace(followerPid, join(profDir, `${pass}-follower`), opts)])
    const counted = load.stop()
    await load.done
    report.push(`\nstrace ${pass} pass: ${counted} writes committed while attached (${straceSeconds} s)`)
    for (const [i, who] of (['leader', 'follower'] as const).entries()) {
      const text = readFileSync(join(profDir, `${pass}-${who}`), 'utf8')
      if (pass === 'count') {
        const rows = text.split('\n').filter((l) => /^\s*[\d.]+\s+[\d.]+\s+\d+\s+\d+/.test(l))
        const per = rows.map((l) => {
          const f = l.trim().split(/\s+/)
          return { name: f.at(-1)!, calls: Number(f[3]) }
        }).filter((p) => p.name !== 'total').sort((a, b) => b.calls - a.calls)
        const total = per.reduce((a, b) => a + b.calls, 0)
        report.push(`${who}: ${(total / counted).toFixed(1)} syscalls/write; top: ${per.slice(0, 12).map((p) => `${p.name} ${(p.calls / counted).toFixed(2)}`).join(', ')}`)
      } else {
        const byFile = new Map<string, { calls: number; bytes: number }>()
        const sizes = new Map<string, number>()
        // With -f a call may be split: `pid pwrite64(7, ... <unfinished ...>`, then `pid <... pwrite64 resumed>) = n`.
        const pending = new Map<string, string>()
        for (const raw of text.split('\n')) {
          let line = raw
          const u = /^(\d+)\s+(.*)<unfinished \.\.\.>$/.exec(line)
          if (u) {
            pending.set(u[1], u[2])
            continue
          }
          const res = /^(\d+)\s+<\.\.\. \w+ resumed>(.*)$/.exec(line)
          if (res) line = `${res[1]} ${pending.get(res[1]) ?? ''}${res[2]}`
          const m = /^(?:\d+\s+)?(\w+)\((\d+),.*=\s*(\d+)$/.exec(line)
          if (!m) continue
          if (m[1] === 'pwrite64') sizes.set(`${m[2]}:${m[3]}`, (sizes.get(`${m[2]}:${m[3]}`) ?? 0) + 1)
          const name = (fds[i].get(m[2]) ?? `fd ${m[2]}`).replace(/^socket:.*/, 'socket').replace(/^\d{20}\.seg$|^[\w-]*\.seg$/, 'raft log segment')
          const key = `${name} (${m[1]})`
          const e = byFile.get(key) ?? { calls: 0, bytes: 0 }
          e.calls++
          e.bytes += Number(m[3])
          byFile.set(key, e)
        }
        report.push(`${who} pwrite64 sizes (fd:bytes count): ${[...sizes].sort((a, b) => b[1] - a[1]).slice(0, 8).map(([k, v]) => `${k} ×${v}`).join(', ')}`)
        report.push(`${who} writes per committed write:`)
        for (const [k, v] of [...byFile].sort((a, b) => b[1].bytes - a[1].bytes)) report.push(`  ${k.padEnd(40)} ${(v.calls / counted).toFixed(2)} calls, ${(v.bytes / counted).toFixed(0)} bytes`)
      }
    }
  }

  if (mode === 'perf') {
    const load = await countedLoad(leader.url)
    const record = (pid: number, out: string) =>
      new Promise<void>((resolve, reject) => {
        const p = spawn('perf', ['record', '-q', '-e', 'cpu-clock', '-F', String(perfHz), '-g', '-o', out, '-p', String(pid), '--', 'sleep', String(straceSeconds)], { stdio: 'ignore' })
        p.on('error', reject)
        p.on('exit', () => resolve())
      })
    load.start()
    await Promise.all([record(leaderPid, join(profDir, 'leader.perf')), record(followerPid, join(profDir, 'follower.perf'))])
    const counted = load.stop()
    await load.done
    report.push(`\nperf: ${counted} writes committed while recording (${straceSeconds} s)`)
    for (const [who, pid] of [['leader', leaderPid], ['follower', followerPid]] as const) {
      report.push(`\n== ${who}: CPU by thread`, perfSummary(join(profDir, `${who}.perf`), String(pid), perfHz, counted))
    }
    // Node's symbol maps for perf (written by --perf-basic-prof-only-functions), unless kept.
    if (keep) report.push(`\nkept: ${profDir}/{leader,follower}.perf (perf report -i …; symbols in /tmp/perf-<pid>.map)`)
    else for (const p of procs) rmSync(`/tmp/perf-${p.child.pid}.map`, { force: true })
  }
} finally {
  for (const p of procs) await p.stop('SIGTERM')
}

mkdirSync(join(ROOT, 'bench/results'), { recursive: true })
// Files are CPU.<date>.<time>.<pid>.<thread id>.<seq>.cpuprofile: thread 0 is the main thread.
for (const [who, pid] of [['leader', leaderPid], ['follower', followerPid]] as const) {
  for (const file of readdirSync(profDir).filter((f) => f.includes(`.${pid}.`) && f.endsWith('.cpuprofile'))) {
    const thread = file.split('.')[4] === '0' ? 'main' : `worker ${file.split('.')[4]}`
    const profile = JSON.parse(readFileSync(join(profDir, file), 'utf8')) as Profile
    copyFileSync(join(profDir, file), join(ROOT, `bench/results/${who}-${thread.replace(' ', '')}.cpuprofile`))
    const { total, byFn, byFile } = selfTimes(profile)
    report.push(`\n== ${who} ${thread}: ${(total / 1e6).toFixed(1)} s sampled\nself time by file:\n${topShares(byFile, total, 15)}\nself time by function:\n${topShares(byFn, total, 25)}`)
  }
}
if (!keep) rmSync(profDir, { recursive: true, force: true })
for (const p of procs) rmSync(p.dataDir, { recursive: true, force: true })
console.log(report.join('\n'))
