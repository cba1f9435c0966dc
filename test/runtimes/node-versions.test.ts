// The conformance suite against raftlited on Node 22 and 24 (the tests themselves run on the
// engines' minimum, Node 20). Binaries: RAFTLITE_NODE22/RAFTLITE_NODE24, or the cache filled by
// test/support/install-node-versions.sh; without them these tests are skipped, saying why.
import { spawnSync } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { singleNodeSuite } from '../conformance/single-node-suite.ts'
import { NODE_VERSIONS_DIR, nodeBinary } from '../support/node-binaries.ts'
import { type RaftlitedProcess, startRaftlited } from '../support/raftlited-process.ts'

for (const major of [22, 24]) {
  const bin = nodeBinary(major)
  const title = bin
    ? `raftlited on Node ${major} (${bin})`
    : `raftlited on Node ${major}: skipped, no binary (set RAFTLITE_NODE${major} or run test/support/install-node-versions.sh to fill ${NODE_VERSIONS_DIR})`

  describe.skipIf(!bin)(title, () => {
    let proc: RaftlitedProcess | undefined

    beforeAll(async () => {
      proc = await startRaftlited({ nodeBinary: bin, args: ['-http-max-body', '2097152'] })
    })

    afterAll(async () => {
      await proc?.stop()
    })

    test(`the binary is Node ${major}, and the node reports it`, async () => {
      const version = spawnSync(bin!, ['--version'], { encoding: 'utf8', timeout: 10_000 }).stdout.trim()
      expect(version).toMatch(new RegExp(`^v${major}\\.`))
      const status = await (await fetch(`${proc!.url}/status`)).json()
      expect(status.runtime).toEqual({ name: 'node', version })
      expect(status.os.pid).toBe(proc!.child.pid)
    })

    singleNodeSuite({ url: () => proc!.url })
  })
}
