/** `raftlited` on Node.js. */
import './warm-up-sooner.ts'
import { runDaemon } from '../../src/daemon/run-daemon.ts'
import { nodePlatform } from './platform.ts'
import { serveHttp } from './serve.ts'
import { serveCluster } from './serve-cluster.ts'
import { serveApi } from './serve-api.ts'
import { onShutdownSignal } from './signals.ts'
import { nodeProfiler } from './profiler.ts'
import { peerTls } from './tls-peer.ts'

const tlsError = (message: string) => process.stderr.write(`error: TLS: ${message}\n`)
const code = await runDaemon(process.argv.slice(2), {
  platform: nodePlatform(),
  serve: (app, addr, options) => serveHttp(app, addr, undefined, { ...options, onError: tlsError }),
  serveCluster: (node, addr, options) => serveCluster(node, addr, { ...options, onError: tlsError }),
  serveApi: (node, addr, options) => serveApi(node, addr, { ...options, onError: tlsError }),
  peerTls: (tls) => peerTls(tls, tlsError),
  tls: true,
  onShutdownSignal,
  profiler: nodeProfiler,
  stderr: (line) => process.stderr.write(`${line}\n`),
  stderrIsTerminal: process.stderr.isTTY === true,
  colour: !process.env.NO_COLOR,
  stdout: (line) => process.stdout.write(`${line}\n`),
  env: (name) => process.env[name],
})
process.exit(code)
