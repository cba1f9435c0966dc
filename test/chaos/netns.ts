/**
 * A network of Linux network namespaces for the chaos harness: one namespace per node, each with
 * a veth pair to a bridge in the harness's namespace, where the clients run. Faults are rules
 * inside the nodes' namespaces: nftables drops (partitions, packet loss) and tc qdiscs (delay),
 * so the harness's own traffic to the nodes is never cut.
 *
 * Needs root, `ip` (iproute2), `nft` (nftables) and `tc`. Every name carries the run's prefix,
 * so a run cleans up only what it made; `teardown` is synchronous for exit handlers.
 */
import { execFile, execFileSync } from 'node:child_process'
import { promisify } from 'node:util'

const run = promisify(execFile)

export class ChaosNetwork {
  readonly bridge: string
  #up = false
  /** tc's netem qdisc (delay) is a kernel module that some kernels lack. */
  netemAvailable = false

  constructor(
    /** Short (names are at most 15 characters): e.g. `rlc1234`. */
    readonly prefix: string,
    /** The first three octets, e.g. `10.79.12`. */
    readonly subnet: string,
    readonly size: number,
  ) {
    this.bridge = `${prefix}br`
  }

  namespace(node: number): string {
    return `${this.prefix}n${node}`
  }

  address(node: number): string {
    return `${this.subnet}.${10 + node}`
  }

  get hostAddress(): string {
    return `${this.subnet}.1`
  }

  /** The command prefix that runs a program inside a node's namespace. */
  exec(node: number): string[] {
    return ['ip', 'netns', 'exec', this.namespace(node)]
  }

  async setup(): Promise<void> {
    this.#up = true
    await ip('link', 'add', this.bridge, 'type', 'bridge')
    await ip('addr', 'add', `${this.hostAddress}/24`, 'dev', this.bridge)
    await ip('link', 'set', this.bridge, 'up')
    for (let node = 1; node <= this.size; node++) {
      const ns = this.namespace(node)
      const hostEnd = `${this.prefix}h${node}`
      await ip('netns', 'add', ns)
      await ip('link', 'add', hostEnd, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns)
      await ip('link', 'set', hostEnd, 'master', this.bridge, 'up')
      await ip('-n', ns, 'addr', 'add', `${this.address(node)}/24`, 'dev', 'eth0')
      await ip('-n', ns, 'link', 'set', 'eth0', 'up')
      await ip('-n', ns, 'link', 'set', 'lo', 'up')
      // One table per namespace; faults are rules in its input chain, healed by flushing it.
      await this.#nft(node, 'add table inet chaos')
      await this.#nft(node, 'add chain inet chaos input { type filter hook input priority 0; policy accept; }')
    }
    this.netemAvailable = await run('ip', ['netns', 'exec', this.namespace(1), 'tc', 'qdisc', 'add', 'dev', 'eth0', 'root', 'netem', 'delay', '1ms']).then(
      async () => {
        await run('ip', ['netns', 'exec', this.namespace(1), 'tc', 'qdisc', 'del', 'dev', 'eth0', 'root'])
        return true
      },
      () => false,
    )
  }

  /** `node` drops every packet from each of `from` (one direction: `from` → `node`). */
  async dropFrom(node: number, from: number[]): Promise<void> {
    const peers = from.filter((peer) => peer !== node).map((peer) => this.address(peer))
    // One rule, one process: under load each `ip netns exec nft` costs a noticeable moment.
    if (peers.length > 0) await this.#nft(node, `add rule inet chaos input ip saddr { ${peers.join(', ')} } drop`)
  }

  /** Cuts the nodes of `a` from those of `b`, both directions. */
  async cut(a: number[], b: number[]): Promise<void> {
    for (const x of a) await this.dropFrom(x, b)
    for (const y of b) await this.dropFrom(y, a)
  }

  /** `node` loses `percent` of the packets it receives from the other nodes. */
  async loss(node: number, percent: number): Promise<void> {
    await this.#nft(node, `add rule inet chaos input ip saddr ${this.subnet}.0/24 ip saddr != ${this.hostAddress} numgen random mod 100 < ${percent} drop`)
  }

  /**
   * Delays what `node` sends: netem where the kernel has it; else a token bucket so slow that
   * packets queue (tbf), which delays and, when its queue overflows, drops.
   */
  async delay(node: number, ms: number): Promise<'netem' | 'tbf'> {
    const tc = ['netns', 'exec', this.namespace(node), 'tc', 'qdisc', 'replace', 'dev', 'eth0', 'root']
    if (this.netemAvailable) {
      await run('ip', [...tc, 'netem', 'delay', `${ms}ms`, `${Math.round(ms / 4)}ms`])
      return 'netem'
    }
    await run('ip', [...tc, 'tbf', 'rate', '256kbit', 'burst', '4kb', 'latency', `${ms}ms`])
    return 'tbf'
  }

  /** Lifts every partition, loss and delay. */
  async heal(): Promise<void> {
    for (let node = 1; node <= this.size; node++) {
      await this.#nft(node, 'flush chain inet chaos input')
      await run('ip', ['netns', 'exec', this.namespace(node), 'tc', 'qdisc', 'del', 'dev', 'eth0', 'root']).catch(() => {})
    }
  }

  /** Removes the namespaces, veths and bridge; safe to call twice and from an exit handler. */
  teardown(): void {
    if (!this.#up) return
    this.#up = false
    for (let node = 1; node <= this.size; node++) {
      // The veth first: a deleted namespace lingers (and its veth with it) while anything in the
      // kernel still holds it, so the pair is removed by its host end, which goes at once.
      try {
        execFileSync('ip', ['link', 'del', `${this.prefix}h${node}`], { stdio: 'ignore' })
      } catch {
        // not made, or gone with its namespace
      }
      try {
        execFileSync('ip', ['netns', 'del', this.namespace(node)], { stdio: 'ignore' })
      } catch {
        // not made (setup failed early) or already gone
      }
    }
    try {
      execFileSync('ip', ['link', 'del', this.bridge], { stdio: 'ignore' })
    } catch {
      // not made
    }
  }

  async #nft(node: number, rule: string): Promise<void> {
    await run('ip', ['netns', 'exec', this.namespace(node), 'nft', rule])
  }
}

async function ip(...args: string[]): Promise<void> {
  try {
    await run('ip', args)
  } catch (e) {
    throw new Error(`ip ${args.join(' ')} failed: ${(e as { stderr?: string }).stderr ?? String(e)}`)
  }
}

/**
 * Removes what runs that could not clean up left behind (the harness killed with SIGKILL):
 * every namespace and link named `rlc…`, and the small disks (`…/n<k>-disk` tmpfs mounts).
 * Only for when no chaos run is going on. Returns what it removed.
 */
export function removeLeftovers(): string[] {
  const removed: string[] = []
  const quiet = (args: string[]) => {
    try {
      execFileSync(args[0]!, args.slice(1), { stdio: 'ignore' })
      removed.push(args.join(' '))
    } catch {
      // already gone
    }
  }
  const links = execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' })
  for (const match of links.matchAll(/^\d+: (rlc\d+(?:br|h\d+))[@:]/gm)) quiet(['ip', 'link', 'del', match[1]!])
  const namespaces = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
  for (const name of namespaces.split('\n').map((line) => line.split(' ')[0]!)) if (/^rlc\d+n\d+$/.test(name)) quiet(['ip', 'netns', 'del', name])
  const mounts = execFileSync('cat', ['/proc/mounts'], { encoding: 'utf8' })
  for (const line of mounts.split('\n')) {
    const [fs, point] = line.split(' ')
    if (fs === 'tmpfs' && point && /\/n\d+-disk$/.test(point)) quiet(['umount', '-l', point])
  }
  return removed
}
