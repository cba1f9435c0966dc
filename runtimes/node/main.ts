/** `raftlited` on Node.js. */
import { runDaemon } from '../../src/daemon/run-daemon.ts'
import { nodePlatform } from './platform.ts'
import { serveHttp } from './serve.ts'

const code = await runDaemon(process.argv.slice(2), {
  platform: nodePlatform(),
  serve: serveHttp,
  onShutdownSignal(handler) {
    const once = (signal: NodeJS.Signals) => {
      process.off('SIGINT', once)
      process.off('SIGTERM', once)
      handler(signal)
    }
    process.on('SIGINT', once)
    process.on('SIGTERM', once)
  },
  stderr: (line) => process.stderr.write(`${line}\n`),
  stdout: (line) => process.stdout.write(`${line}\n`),
})
process.exit(code)
