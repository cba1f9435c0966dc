import { join } from 'node:path'
import { expect, test } from 'vitest'
import { ROOT } from '../support/raftlited-process.ts'
import { exerciseTodoApp, runExample } from './run-example.ts'

test('the Deno example embeds a node in a Hono app', async () => {
  const app = await runExample(join(ROOT, 'node_modules/.bin/deno'), [
    'run', '--allow-read', '--allow-write', '--allow-net', '--allow-env', 'examples/deno/app.ts',
  ])
  try {
    await exerciseTodoApp(app.url)
  } finally {
    expect(await app.stop()).toBe(0)
  }
})

test('the Bun example embeds a node in a Hono app', async () => {
  const app = await runExample(join(ROOT, 'node_modules/.bin/bun'), ['examples/bun/app.ts'])
  try {
    await exerciseTodoApp(app.url)
  } finally {
    expect(await app.stop()).toBe(0)
  }
})
