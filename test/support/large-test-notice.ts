/**
 * A vitest reporter: when the >2 GiB database test (RAFTLITE_LARGE_TEST, see .ci/run) was part
 * of the run but skipped, say so loudly after the summary. The claim that SQLite works past the
 * 2 GiB WASM heap rests on that test alone; a green run without it must not look like one with it.
 */
import type { Reporter, TestModule } from 'vitest/node'

export const LARGE_TEST_FILE = 'test/db/large-database.test.ts'

/** The fields of vitest's TestModule this reporter reads. */
export interface ModuleLike {
  readonly relativeModuleId: string
  readonly children: { allTests(): Iterable<{ readonly name: string; result(): { readonly state: string } }> }
}

/** Names of the large-database tests that were collected and skipped. */
export function skippedLargeTests(modules: readonly ModuleLike[]): string[] {
  const large = modules.filter((m) => m.relativeModuleId.replaceAll('\\', '/') === LARGE_TEST_FILE)
  return large.flatMap((m) => [...m.children.allTests()].filter((t) => t.result().state === 'skipped').map((t) => t.name))
}

export function largeTestNotice(skipped: readonly string[]): string {
  const bar = '!'.repeat(100)
  const lines = skipped.map((name) => `!!! SKIPPED: ${LARGE_TEST_FILE} > ${name}`)
  return [bar, ...lines, '!!! The >2 GiB database claim is UNTESTED in this run: set RAFTLITE_LARGE_TEST=1 (needs 8 GiB free in the temp dir).', bar].join('\n')
}

export default class LargeTestNotice implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const skipped = skippedLargeTests(testModules)
    if (skipped.length > 0) process.stderr.write(`\n${largeTestNotice(skipped)}\n`)
  }
}
