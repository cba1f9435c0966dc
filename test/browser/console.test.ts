// The web console in a real browser (Debian's Chromium, driven by playwright-core) against a
// real 3-node cluster: the cluster view fills in, a query's rows appear as a table, the schema
// browser lists the new table, another client's INSERT shows up in the recent changes (the nodes
// run with `-cdc-config stream`; a node without CDC says so), and stepping the leader down shows
// the new leader. Screenshots
// go to test-artifacts/console/ (kept by CI as artifacts, ignored by git).
import { existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { type Browser, chromium, type Page } from 'playwright-core'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { waitFor, settledLeader } from '../support/cluster-processes.ts'
import { ROOT, type RaftlitedProcess, restartRaftlited, startRaftlited } from '../support/raftlited-process.ts'

const CHROMIUM = process.env.RAFTLITE_CHROMIUM ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p))
const ARTIFACTS = join(ROOT, 'test-artifacts/console')

let browser: Browser
let nodes: RaftlitedProcess[]
let noCdc: RaftlitedProcess | undefined

beforeAll(async () => {
  if (!CHROMIUM) throw new Error('Chromium not found: apt-get install -y chromium (or set RAFTLITE_CHROMIUM)')
  mkdirSync(ARTIFACTS, { recursive: true })
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] })
  // One join at a time, patiently: on a loaded machine the founder can lose its leadership for
  // a moment while two nodes join at once, and a join sent then is refused ("not leader").
  const first = await startRaftlited({ args: ['-node-id', '1', '-cdc-config', 'stream'] })
  nodes = [first]
  for (const id of ['2', '3']) nodes.push(await startRaftlited({ args: ['-node-id', id, '-cdc-config', 'stream', '-join', first.raftAddr, '-join-attempts', '30', '-join-interval', '500ms'] }))
}, 180_000)

afterAll(async () => {
  await browser?.close()
  await Promise.all([...(nodes ?? []), ...(noCdc ? [noCdc] : [])].map((n) => n.stop()))
})

async function nodeId(node: RaftlitedProcess): Promise<string> {
  return JSON.parse(await (await fetch(`${node.url}/status`)).text()).store.node_id
}

async function leaderBadge(page: Page): Promise<string[]> {
  return page.locator('#cluster-table tbody tr:has(.badge.leader) th').allTextContents()
}

test('desktop: cluster view, a query as a table, the schema, and a step-down seen live', async () => {
  const leader = await settledLeader(nodes)
  const follower = nodes.find((n) => n !== leader)!
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(e.message))
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()))
  // Served by a follower: the cluster view is the leader's, fetched through this node.
  await page.goto(`${follower.url}/console`)
  await expect.poll(() => page.locator('#cluster-table tbody tr').count(), { timeout: 10_000 }).toBe(3)
  const leaderId = await nodeId(leader)
  await expect.poll(() => leaderBadge(page), { timeout: 10_000 }).toEqual([leaderId])
  await expect.poll(async () => (await page.locator('#cluster-summary').textContent()) ?? '', { timeout: 10_000 }).toContain(`as seen by ${leaderId}`)
  // Lag per follower is shown, as numbers.
  const lags = await page.locator('#cluster-table tbody tr td:nth-child(4)').allTextContents()
  expect(lags.every((l) => /^\d+$/.test(l))).toBe(true)

  await page.fill('#sql', "CREATE TABLE fruit (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\nINSERT INTO fruit(name) VALUES ('apple'), ('pear');\nSELECT id, name FROM fruit ORDER BY id")
  await page.click('#run')
  const table = page.locator('#results table')
  await expect.poll(() => table.count(), { timeout: 10_000 }).toBe(1)
  expect(await table.locator('thead th').allTextContents()).toEqual(['id', 'name'])
  expect(await table.locator('tbody tr').evaluateAll((rows) => rows.map((r) => [...r.children].map((c) => c.textContent)))).toEqual([['1', 'apple'], ['2', 'pear']])
  expect(await page.locator('#results p').allTextContents()).toEqual(['Statement 1: done', 'Statement 2: 2 row(s) affected, last insert id 2'])
  await expect.poll(() => page.locator('#schema details[data-name="fruit"]').count(), { timeout: 10_000 }).toBe(1)
  await page.click('#schema details[data-name="fruit"] summary')
  expect(await page.locator('#schema details[data-name="fruit"] li').allTextContents()).toEqual(['id INTEGER PRIMARY KEY', 'name TEXT NOT NULL'])

  // A bad statement shows SQLite's error, not a broken page.
  await page.fill('#sql', 'SELECT * FROM no_such_table')
  await page.click('#run')
  await expect.poll(async () => (await page.locator('#results').textContent()) ?? '', { timeout: 10_000 }).toContain('no such table: no_such_table')
  await page.fill('#sql', 'SELECT id, name FROM fruit ORDER BY id')
  await page.click('#run')
  await expect.poll(() => page.locator('#results table tbody tr').count(), { timeout: 10_000 }).toBe(2)

  // Recent changes: the console's own INSERT, then one made by another client on the leader,
  // arrive over the change stream of the follower that served the page.
  const changeRows = () => page.locator('#changes-table tbody tr').evaluateAll((rows) => rows.map((r) => [...r.children].slice(1).map((c) => c.textContent)))
  await expect.poll(async () => (await changeRows()).map((r) => r.slice(1)), { timeout: 10_000 }).toEqual([['INSERT', 'fruit', '2'], ['INSERT', 'fruit', '1']])
  const res = await fetch(`${leader.url}/db/execute`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify([["INSERT INTO fruit(name) VALUES ('plum')"]]) })
  expect(res.status).toBe(200)
  await expect.poll(async () => (await changeRows())[0]?.slice(1), { timeout: 10_000 }).toEqual(['INSERT', 'fruit', '3'])
  const [newest, older] = await changeRows()
  expect(Number(newest[0])).toBeGreaterThan(Number(older[0]))
  expect(await page.locator('#changes-status').textContent()).toContain(`last index ${newest[0]}`)

  await waitFor('a chart with points', async () => (await page.locator('#rate-chart polyline').count()) > 0, 15_000)
  await page.screenshot({ path: join(ARTIFACTS, 'console-desktop.png'), fullPage: true })

  await page.click('#stepdown')
  const newLeaderId = await waitFor('another leader in the console', async () => {
    const shown = await leaderBadge(page)
    return shown.length === 1 && shown[0] !== leaderId && shown[0]
  }, 20_000)
  const actual = await settledLeader(nodes)
  expect(await nodeId(actual)).toBe(newLeaderId)
  await page.screenshot({ path: join(ARTIFACTS, 'console-after-stepdown.png'), fullPage: true })
  expect(errors).toEqual([])
  await page.close()
}, 180_000)

test('phone: usable at 390 px wide, with nothing wider than the screen, and every control named', async () => {
  const page = await browser.newPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true })
  await page.goto(`${nodes[0].url}/console`)
  await expect.poll(() => page.locator('#cluster-table tbody tr').count(), { timeout: 10_000 }).toBe(3)
  await page.fill('#sql', 'SELECT id, name FROM fruit ORDER BY id')
  await page.tap('#run')
  await expect.poll(() => page.locator('#results table tbody tr').count(), { timeout: 10_000 }).toBe(3)
  await expect.poll(() => page.locator('#changes-table tbody tr').count(), { timeout: 10_000 }).toBe(3)
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390)
  // Buttons and fields have accessible names; tap targets are at least 40 px high.
  const unnamed = await page.evaluate(() =>
    [...document.querySelectorAll('button, textarea, input')].filter((e) => {
      const labelled = e.id && document.querySelector(`label[for="${e.id}"]`)
      return !(e.textContent?.trim() || e.getAttribute('aria-label') || labelled || e.closest('label'))
    }).map((e) => e.outerHTML),
  )
  expect(unnamed).toEqual([])
  for (const box of await page.locator('button').evaluateAll((bs) => bs.map((b) => b.getBoundingClientRect().height))) expect(box).toBeGreaterThanOrEqual(40)
  await page.screenshot({ path: join(ARTIFACTS, 'console-phone.png'), fullPage: true })
  await page.close()
}, 90_000)


test('recent changes resume after the serving node restarts: nothing missed, nothing twice', async () => {
  const leader = await settledLeader(nodes)
  const follower = nodes.find((n) => n !== leader)!
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
  await page.goto(`${follower.url}/console`)
  const rowIds = () => page.locator('#changes-table tbody tr td:nth-child(5)').allTextContents()
  await expect.poll(rowIds, { timeout: 10_000 }).toEqual(['3', '2', '1'])
  await follower.stop()
  await expect.poll(async () => (await page.locator('#changes-status').textContent()) ?? '', { timeout: 10_000 }).toContain('reconnecting')
  // Written while the page's node is down: it arrives once the node is back, after the last seen.
  const res = await fetch(`${leader.url}/db/execute`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify([["INSERT INTO fruit(name) VALUES ('fig')"]]) })
  expect(res.status).toBe(200)
  nodes[nodes.indexOf(follower)] = await restartRaftlited(follower)
  await expect.poll(rowIds, { timeout: 30_000 }).toEqual(['4', '3', '2', '1'])
  await page.close()
}, 90_000)

test('recent changes on a node without CDC: the panel says change data capture is off', async () => {
  noCdc = await startRaftlited({ args: ['-node-id', 'solo'] })
  const page = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true })
  await page.goto(`${noCdc.url}/console`)
  await expect.poll(async () => (await page.locator('#changes-status').textContent()) ?? '', { timeout: 10_000 }).toContain('Change data capture is off on this node')
  expect(await page.locator('#changes-status').getAttribute('class')).toBe('down')
  expect(await page.locator('#changes-status').textContent()).toContain('Start the node with -cdc-config stream')
  expect(await page.locator('#changes-table').isVisible()).toBe(false)
  // The rest of the console works as before.
  await expect.poll(() => page.locator('#cluster-table tbody tr').count(), { timeout: 10_000 }).toBe(1)
  await page.screenshot({ path: join(ARTIFACTS, 'console-no-cdc.png'), fullPage: true })
  await page.close()
}, 90_000)
