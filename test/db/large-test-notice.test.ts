// The >2 GiB test is skipped unless RAFTLITE_LARGE_TEST=1; a run that skipped it must say so.
import { expect, test } from 'vitest'
import { LARGE_TEST_FILE, type ModuleLike, largeTestNotice, skippedLargeTests } from '../support/large-test-notice.ts'

const moduleOf = (file: string, tests: [name: string, state: string][]): ModuleLike => ({
  relativeModuleId: file,
  children: { allTests: () => tests.map(([name, state]) => ({ name, result: () => ({ state }) })) },
})

test('a skipped large-database test is named in a loud notice; a run that ran it, or one without it, is quiet', () => {
  const skipped = moduleOf(LARGE_TEST_FILE, [['a database over 2 GiB works through the VFS', 'skipped']])
  const other = moduleOf('test/db/database.test.ts', [['something', 'skipped']])
  expect(skippedLargeTests([other, skipped])).toEqual(['a database over 2 GiB works through the VFS'])
  expect(skippedLargeTests([moduleOf(LARGE_TEST_FILE, [['a database over 2 GiB works through the VFS', 'passed']])])).toEqual([])
  expect(skippedLargeTests([moduleOf(LARGE_TEST_FILE, [['a database over 2 GiB works through the VFS', 'failed']])])).toEqual([])
  expect(skippedLargeTests([other])).toEqual([])
  const notice = largeTestNotice(['a database over 2 GiB works through the VFS'])
  expect(notice).toContain(`SKIPPED: ${LARGE_TEST_FILE} > a database over 2 GiB works through the VFS`)
  expect(notice).toContain('RAFTLITE_LARGE_TEST=1')
})

test('the notice reporter is configured, after the default reporter so it prints below the summary', async () => {
  const config = (await import('../../vitest.config.ts')).default as { test: { reporters: string[] } }
  expect(config.test.reporters).toEqual(['default', './test/support/large-test-notice.ts'])
})
