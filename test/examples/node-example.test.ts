import { expect, test } from 'vitest'
import { exerciseTodoApp, runExample } from './run-example.ts'

test('the Node example embeds a node in a Hono app', async () => {
  const app = await runExample(process.execPath, ['--import', 'tsx', 'examples/node/app.ts'])
  try {
    await exerciseTodoApp(app.url)
  } finally {
    expect(await app.stop()).toBe(0)
  }
})
