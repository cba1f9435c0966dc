/** `raftlited` on Bun: `bun runtimes/bun/main.ts [flags] <data dir>`. */
import { runDaemon } from '../../src/daemon/run-daemon.ts'
import { bunPlatform } from './platform.ts'
import { serveHttp } from './serve.ts'
import { serveCluster } from './serve-cluster.ts'
import { serveApi } from './serve-api.ts'
import { onShutdownSignal } from './signals.ts'

const code = await runDaemon(process.argv.slice(2), {
  platform: bunPlatform(),
  serve: (app, addr) => serveHttp(app, addr), // no TLS on Bun yet: runDaemon refuses the TLS flags
  serveCluster,
  serveApi,
  onShutdownSignal,
  stderr: (line) => process.stderr.write(`${line}\n`),
  stderrIsTerminal: process.stderr.isTTY === true,
  colour: !process.env.NO_COLOR,
  stdout: (line) => process.stdout.write(`${line}\n`),
  env: (name) => process.env[name],
})
process.exit(code)
