// Preloaded into a node (`--import`) by bench/alloc-profile.ts: samples where JavaScript
// allocates, counting objects the GC has already collected too (`--heap-prof` keeps only what
// is still alive at the end, which hides the garbage). The first SIGUSR2 starts sampling, the
// second writes the profile to $RAFTLITE_ALLOC_PROFILE_DIR/alloc-<pid>.json.
import { writeFileSync } from 'node:fs'
import { Session } from 'node:inspector'

const session = new Session()
session.connect()
const post = (method, params = {}) => new Promise((done, fail) => session.post(method, params, (e, r) => (e ? fail(e) : done(r))))
let sampling = false
process.on('SIGUSR2', async () => {
  if (!sampling) {
    sampling = true
    await post('HeapProfiler.enable')
    await post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true })
    process.stderr.write('alloc-sampler: started\n')
  } else {
    const { profile } = await post('HeapProfiler.stopSampling')
    writeFileSync(`${process.env.RAFTLITE_ALLOC_PROFILE_DIR ?? '.'}/alloc-${process.pid}.json`, JSON.stringify(profile))
    process.stderr.write('alloc-sampler: written\n')
  }
})
