// The snapshot upload's stall guard (issue 24 item 3): a transfer that keeps moving is never
// aborted. (The never-reading peer case is not covered yet: see the branch report.)
import { expect, test } from 'vitest'
import { stallGuard } from '../../src/cluster/stall-guard.ts'
import { globalTimers } from '../../src/ports/timers.ts'

function endless(): ReadableStream<Uint8Array> {
  return new ReadableStream({ pull: (c) => c.enqueue(new Uint8Array(256 * 1024)) })
}

test('a transfer that keeps moving is not aborted, however long it takes', async () => {
  const guard = stallGuard(globalTimers, 200)
  const reader = guard.watch(endless()).getReader()
  for (let i = 0; i < 10; i++) {
    await reader.read()
    await new Promise((r) => setTimeout(r, 60)) // 600 ms in all, never 200 ms idle
  }
  expect(guard.signal.aborted).toBe(false)
  guard.done()
  await reader.cancel()
})
