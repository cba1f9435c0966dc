// Every documented way to start a Deno node passes the same permissions and heap caps the tests
// start it with (deno.json's task, npm run start:deno, the README, the entry point's doc).
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect, test } from 'vitest'
import { DENO_RUN, ROOT } from '../../support/raftlited-process.ts'

const command = `deno ${DENO_RUN.join(' ')} runtimes/deno/main.ts`
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8')

test('deno.json, package.json, the README and main.ts start Deno nodes as the tests do', () => {
  expect(JSON.parse(read('deno.json')).tasks.start.command).toBe(`env ${command}`)
  expect(JSON.parse(read('package.json')).scripts['start:deno']).toBe(command)
  expect(read('README.md')).toContain(`${command} [flags] ./data`)
  expect(read('runtimes/deno/main.ts')).toContain(`\`${command} [flags] <data dir>\``)
  expect(command).toContain('--max-old-space-size=1024')
})
