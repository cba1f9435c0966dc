/** `raftlited` on Deno: `deno run --allow-read --allow-write --allow-net --allow-env --v8-flags=--max-semi-space-size=4,--max-old-space-size=1024 runtimes/deno/main.ts [flags] <data dir>`. */
import { runDaemon } from '../../src/daemon/run-daemon.ts'
import { denoPlatform } from './platform.ts'
import { serveHttp } from './serve.ts'
import { serveCluster } from './serve-cluster.ts'
import { serveApi } from './serve-api.ts'
import { onShutdownSignal } from './signals.ts'

const code = await runDaemon(Deno.args, {
  platform: denoPlatform(),
  serve: serveHttp,
  serveCluster,
  serveApi,
  onShutdownSignal,
  stderr: (line) => console.error(line),
  stderrIsTerminal: Deno.stderr.isTerminal(),
  colour: !Deno.env.get('NO_COLOR'),
  stdout: (line) => console.log(line),
  env: (name) => Deno.env.get(name),
})
Deno.exit(code)
