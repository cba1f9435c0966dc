/** `raftlited` on Node.js. */
import { runDaemon } from '../../src/daemon/run-daemon.ts'
import { nodePlatform } from './platform.ts'
import { serveHttp } from './serve.ts'
import { serveCluster } from './serve-cluster.ts'
import { onShutdownSignal } from './signals.ts'
import { nodeProfiler } from './profiler.ts'

const code = await runDaemon(process.argv.slice(2), {
  platform: nodePlatform(),
  serve: serveHttp,
  serveCluster,
  onShutdownSignal,
  profiler: nodeProfiler,
  stderr: (line) => process.stderr.write(`${line}\n`),
  stdout: (line) => process.stdout.write(`${line}\n`),
})
process.exit(code)
