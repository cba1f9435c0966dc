// Before any test: bundle the Node entry points, so the processes the tests start run what
// users run (bin/raftlited.mjs takes the bundle when it is fresh), never a stale one.
import { buildDist } from '../../scripts/build.mjs'

export default async function setup(): Promise<void> {
  await buildDist()
}
