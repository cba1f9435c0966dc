// The basic cluster scenarios on Node.js processes (Deno and Bun: test/runtimes/<runtime>/).
import { clusterSuite } from '../conformance/cluster-suite.ts'

clusterSuite('node')
