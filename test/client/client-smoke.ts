// The remote client's smoke run, for any runtime (Node, Deno, Bun): the hosts come as arguments
// (the first may be a dead one, to prove failover), and the outcome is printed as one JSON line
// for the test that runs this file to check. Web-standard APIs only.
import { runSmoke } from './smoke-sequence.ts'

const runtime = globalThis as { Deno?: { args: string[] }; process?: { argv: string[] } }
const hosts = runtime.Deno?.args ?? runtime.process?.argv.slice(2) ?? []
const { table: _table, ...summary } = await runSmoke(hosts)
console.log(JSON.stringify(summary))
