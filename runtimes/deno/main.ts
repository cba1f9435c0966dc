/** `raftlited` on Deno: `deno run --allow-read --allow-write --allow-net --allow-env --v8-flags=--max-semi-space-size=4,--max-old-space-size=1024 runtimes/deno/main.ts [flags] <data dir>`. */
import { runDaemon } from '../../src/daemon/run-daemon.ts'
import { denoPlatform } from './platform.ts'
import { serveHttp } from './serve.ts'
import { serveCluster } from './serve-cluster.ts'
import { serveApi } from './serve-api.ts'
import { onShutdownSignal } from './signals.ts'
import { peerTls } from './tls-peer.ts'
import { denoTlsRefusal } from './tls-refusal.ts'

const tlsError = (message: string) => console.error(`error: TLS: ${message}`)
const code = await runDaemon(Deno.args, {
  platform: denoPlatform(),
  serve: (app, addr, options) => serveHttp(app, addr, { ...options, onError: tlsError }),
  serveCluster: (node, addr, options) => serveCluster(node, addr, { ...options, onError: tlsError }),
  serveApi: (node, addr, options) => serveApi(node, addr, { ...options, onError: tlsError }),
  peerTls: (tls) => peerTls(tls, tlsError),
  tls: true,
  tlsRefusal: denoTlsRefusal,
  onShutdownSignal,
  stderr: (line) => console.error(line),
  stderrIsTerminal: Deno.stderr.isTerminal(),
  colour: !Deno.env.get('NO_COLOR'),
  stdout: (line) => console.log(line),
  env: (name) => Deno.env.get(name),
})
Deno.exit(code)
