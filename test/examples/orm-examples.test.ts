// The Drizzle and Kysely examples (examples/drizzle, examples/kysely) run as real processes
// against a real raftlited node: schema, migration, queries. Each runs twice: the second run
// finds its migrations applied and its author present.
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { type RaftlitedProcess, ROOT, startRaftlited } from '../support/raftlited-process.ts'

const run = promisify(execFile)
// One node per example: both create `authors` and `posts`.
let drizzleNode: RaftlitedProcess
let kyselyNode: RaftlitedProcess

beforeAll(async () => {
  ;[drizzleNode, kyselyNode] = await Promise.all([startRaftlited(), startRaftlited()])
}, 60_000)

afterAll(async () => {
  await Promise.all([drizzleNode?.stop(), kyselyNode?.stop()])
})

async function example(file: string, proc: RaftlitedProcess): Promise<unknown> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', file], { cwd: ROOT, env: { ...process.env, RAFTLITE_URL: proc.url }, timeout: 60_000 })
  return JSON.parse(stdout.trim().split('\n').at(-1)!)
}

test('the Drizzle example migrates, writes and reads', async () => {
  expect(await example('examples/drizzle/app.ts', drizzleNode)).toEqual({
    author: 'Ada', active: true, top: { title: 'Notes on the Analytical Engine', views: 11, author: 'Ada' }, posts: 2,
  })
  expect(await example('examples/drizzle/app.ts', drizzleNode)).toEqual({
    author: 'Ada', active: true, top: { title: 'Notes on the Analytical Engine', views: 12, author: 'Ada' }, posts: 4,
  })
}, 90_000)

test('the Kysely example migrates, writes and reads', async () => {
  expect(await example('examples/kysely/app.ts', kyselyNode)).toEqual({
    migrated: ['2026_01_01_init:Success', '2026_02_01_posts_by_views:Success'], author: 'Grace', updated: '2', top: { title: 'Nanoseconds', views: 43, author: 'Grace' }, posts: 2,
  })
  expect(await example('examples/kysely/app.ts', kyselyNode)).toEqual({
    migrated: [], author: 'Grace', updated: '4', top: { title: 'Nanoseconds', views: 44, author: 'Grace' }, posts: 4,
  })
}, 90_000)
