/**
 * The fault schedule of a run, drawn from its seed before the run starts (so a seed names a
 * schedule), and the injection of each fault. A fault's target is a role ("the leader", "a
 * follower") resolved when it is injected; the report records the node it hit.
 */
import { killMidAppend, killMidSnapshot } from './aimed-kills.ts'
import type { ChaosCluster } from './chaos-cluster.ts'
import { flipByte, rotFile } from './flip-byte.ts'
import { Prng } from './prng.ts'

export const FAULT_KINDS = [
  'kill-leader',
  'kill-follower',
  'pause-leader',
  'pause-follower',
  'partition-symmetric',
  'partition-asymmetric',
  'partition-majority-ring',
  'partition-flapping',
  'packet-loss',
  'delay',
  'clock-jump',
  'corrupt-log',
  'corrupt-snapshot',
  'corrupt-db',
  'disk-full',
  'kill-mid-snapshot',
  'kill-mid-append',
] as const

export type FaultKind = (typeof FAULT_KINDS)[number]

export interface PlannedFault {
  /** Quiet time before it, ms. */
  after: number
  kind: FaultKind
  /** How long it lasts before it is healed, ms. */
  duration: number
  /** A draw in [0, 1) that picks among candidate nodes at injection. */
  pick: number
}

export function planFaults(seed: number, totalMs: number, kinds: readonly FaultKind[] = FAULT_KINDS): PlannedFault[] {
  const rng = new Prng(seed)
  const plan: PlannedFault[] = []
  let t = 0
  while (true) {
    const after = rng.int(1_500, 3_500)
    const kind = rng.pick(kinds)
    // Pauses outlast the election timeout (1 s) by a margin.
    const duration = kind.startsWith('pause') ? rng.int(2_000, 5_000) : rng.int(2_000, 7_000)
    const pick = rng.next()
    if (t + after + duration > totalMs) break
    plan.push({ after, kind, duration, pick })
    t += after + duration
  }
  return plan
}

export interface InjectedFault {
  kind: FaultKind
  nodes: number[]
  detail?: string
  start: number
  healed: number
  /** A corrupted node's refusal to start, its first error line. */
  refused?: string
  /** The node stopped by itself during the fault, as it must on a full disk. */
  stopped?: boolean
  /** An aimed kill: whether its request (snapshot, big batch) was still pending at the kill. */
  inFlight?: boolean
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Injects one fault, holds it for its duration and heals it. */
export async function injectFault(cluster: ChaosCluster, fault: PlannedFault, now: () => number): Promise<InjectedFault> {
  const net = cluster.net
  const all = Array.from({ length: cluster.size }, (_, i) => i + 1)
  const leader = (await cluster.leader()) ?? all[Math.floor(fault.pick * all.length)]!
  const followers = all.filter((n) => n !== leader)
  const follower = followers[Math.floor(fault.pick * followers.length)]!
  const start = now()
  let nodes: number[] = []
  let detail: string | undefined
  switch (fault.kind) {
    case 'kill-leader':
    case 'kill-follower': {
      const node = fault.kind === 'kill-leader' ? leader : follower
      nodes = [node]
      await cluster.kill(node)
      await sleep(fault.duration)
      // Healed when it is started again; the time it takes to be ready counts as recovery.
      const healed = now()
      await cluster.restart(node)
      await net.heal()
      return { kind: fault.kind, nodes, start, healed }
    }
    case 'kill-mid-snapshot':
    case 'kill-mid-append': {
      // The leader or a follower, by the draw; killed inside the work, restarted after the hold.
      const node = fault.pick < 0.5 ? leader : follower
      nodes = [node]
      const draw = (fault.pick * 7919) % 1
      const aimed = fault.kind === 'kill-mid-snapshot' ? await killMidSnapshot(cluster, node, draw) : await killMidAppend(cluster, leader, node, draw)
      await sleep(fault.duration)
      const healed = now()
      await cluster.restart(node)
      await net.heal()
      return { kind: fault.kind, nodes, detail: aimed.detail, start, healed, inFlight: aimed.inFlight }
    }
    case 'pause-leader':
    case 'pause-follower': {
      const node = fault.kind === 'pause-leader' ? leader : follower
      nodes = [node]
      cluster.pause(node)
      await sleep(fault.duration)
      cluster.resume(node)
      break
    }
    case 'partition-symmetric': {
      // The leader alone in the minority half, most often the interesting side.
      const minoritySize = fault.pick < 0.5 ? 1 : Math.floor(cluster.size / 2)
      const minority = [leader, ...followers.slice(0, minoritySize - 1)]
      const majority = all.filter((n) => !minority.includes(n))
      nodes = minority
      detail = `${minority.join(',')} | ${majority.join(',')}`
      await net.cut(minority, majority)
      await sleep(fault.duration)
      break
    }
    case 'partition-asymmetric': {
      // The leader hears nobody, but everyone still hears the leader.
      nodes = [leader]
      detail = `${leader} drops from ${followers.join(',')}`
      await net.dropFrom(leader, followers)
      await sleep(fault.duration)
      break
    }
    case 'partition-majority-ring': {
      // Each node reaches its ring neighbours only: with 5, everyone sees a majority but no two
      // the same; with 3, the ring is the "bridge": two nodes cut, the third sees both.
      nodes = all
      if (cluster.size >= 5) {
        for (const n of all) await net.dropFrom(n, all.filter((m) => ringDistance(n, m, cluster.size) > 1))
        detail = 'ring'
      } else {
        const [a, b] = followers.length >= 2 ? [followers[0]!, followers[1]!] : [leader, follower]
        await net.cut([a], [b])
        detail = `bridge: ${a} x ${b}`
      }
      await sleep(fault.duration)
      break
    }
    case 'partition-flapping': {
      nodes = [leader]
      const majority = followers
      const until = Date.now() + fault.duration
      let flips = 0
      while (Date.now() < until) {
        await net.cut([leader], majority)
        await sleep(300 + ((flips * 7919) % 700))
        await net.heal()
        await sleep(300 + ((flips * 104729) % 700))
        flips++
      }
      detail = `${flips} flips`
      break
    }
    case 'packet-loss': {
      const node = fault.pick < 0.5 ? leader : follower
      nodes = [node]
      const percent = 20 + Math.floor(fault.pick * 30)
      detail = `${percent}% inbound`
      await net.loss(node, percent)
      await sleep(fault.duration)
      break
    }
    case 'delay': {
      nodes = [leader]
      const how = await net.delay(leader, 200)
      detail = `200 ms outbound (${how})`
      await sleep(fault.duration)
      break
    }
    case 'clock-jump': {
      // Forwards or backwards by 30 s to 2 h, on the leader or a follower (its wall clock only).
      const node = fault.pick < 0.5 ? leader : follower
      nodes = [node]
      const sign = Math.floor(fault.pick * 1000) % 2 === 0 ? 1 : -1
      const offsetMs = sign * Math.round(30_000 + fault.pick * 7_170_000)
      detail = `${offsetMs > 0 ? '+' : ''}${Math.round(offsetMs / 1000)} s`
      cluster.shiftClock(node, offsetMs)
      await sleep(fault.duration)
      cluster.shiftClock(node, 0)
      break
    }
    case 'disk-full': {
      // The node on the small filesystem: fill it, hold, free it. A node that stopped because
      // a log write failed did what it must (nothing more may be acknowledged) and is started again.
      const disk = cluster.smallDisk
      const node = cluster.smallDiskNode
      if (!disk || node === undefined) throw new Error('disk-full needs a node on a small disk')
      nodes = [node]
      const filled = disk.fill()
      await sleep(fault.duration)
      disk.free()
      const healed = now()
      // A node that met the full disk stops, and its stop takes a moment: wait for it to end.
      for (let i = 0; i < 40 && !cluster.exited(node) && storageFailed(cluster.proc(node).stderr()); i++) await sleep(250)
      const stopped = cluster.exited(node)
      detail = `filled ${Math.round(filled / 1024)} KiB; ${stopped ? `node stopped (${firstErrorLine(cluster.proc(node).stderr().split('\n').filter((l) => /ENOSPC|no space/i.test(l)).pop() ?? cluster.proc(node).stderr().slice(-300))}), restarted` : 'node kept running'}`
      if (stopped) await cluster.restart(node)
      return { kind: fault.kind, nodes, detail, start, healed, stopped }
    }
    case 'corrupt-log':
    case 'corrupt-snapshot':
    case 'corrupt-db': {
      // Bit rot on a stopped follower (mtime kept, as rot keeps it), then a restart: the node
      // must refuse what it cannot verify; one that refuses to start is given the documented
      // remedy (removed, emptied, joined again) and must catch up from its peers.
      const which = fault.kind === 'corrupt-log' ? 'log' : fault.kind === 'corrupt-snapshot' ? 'snapshot' : 'db'
      // A follower that has the file (early in a run, some have no snapshot yet).
      const holders = followers.filter((n) => rotFile(cluster.dataDir(n), which) !== undefined)
      const node = holders.length ? holders[Math.floor(fault.pick * holders.length)]! : follower
      nodes = [node]
      await cluster.kill(node)
      const flipped = flipByte(cluster.dataDir(node), which, (fault.pick * 7919) % 1)
      await sleep(Math.min(fault.duration, 2_000))
      const healed = now()
      try {
        await cluster.restart(node)
        return { kind: fault.kind, nodes, detail: `${flipped}; restarted`, start, healed }
      } catch (e) {
        const reason = firstErrorLine(e instanceof Error ? e.message : String(e))
        await cluster.rejoinEmpty(node)
        return { kind: fault.kind, nodes, detail: `${flipped}; refused to start (${reason}); removed, emptied and joined again`, start, healed, refused: reason }
      }
    }
  }
  await net.heal()
  return { kind: fault.kind, nodes, detail, start, healed: now() }
}

/** What a node says when its disk is full (log write or SQLite). */
export function storageFailed(output: string): boolean {
  return /ENOSPC|disk is full|stopped after a storage error/.test(output)
}

function firstErrorLine(text: string): string {
  const line = text.split('\n').find((l) => /corrupt|checksum|crc|malformed|error/i.test(l) && !l.startsWith('raftlited exited')) ?? text.split('\n')[0]!
  return line.trim().slice(0, 200)
}

function ringDistance(a: number, b: number, size: number): number {
  const d = Math.abs(a - b)
  return Math.min(d, size - d)
}
