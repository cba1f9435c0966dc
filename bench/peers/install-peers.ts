/**
 * `--with-peers`: installs the peers from Debian's packages (etcd-server for etcd, go-dqlite for
 * dqlite-demo) when their binaries are missing. Only apt; nothing is downloaded otherwise.
 */
import { spawnSync } from 'node:child_process'
import { onPath } from './peer-process.ts'

const PACKAGES: Record<string, string> = { etcd: 'etcd-server', 'dqlite-demo': 'go-dqlite' }

export function installPeers(): void {
  const missing = Object.keys(PACKAGES).filter((b) => !onPath(b))
  if (missing.length === 0) return
  const packages = missing.map((b) => PACKAGES[b])
  const sudo = process.getuid?.() === 0 ? [] : ['sudo', '-n']
  console.log(`installing ${packages.join(', ')} with apt-get`)
  const run = (args: string[]) => {
    const [cmd, ...rest] = [...sudo, ...args]
    // A service the package may start keeps its default ports; the bench uses free ones of its own.
    const r = spawnSync(cmd, rest, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } })
    return r.status === 0
  }
  if (!run(['apt-get', 'update', '-qq']) || !run(['apt-get', 'install', '-y', '-qq', '--no-install-recommends', ...packages])) {
    console.error(`apt-get could not install ${packages.join(', ')}; measuring without them`)
  }
}
