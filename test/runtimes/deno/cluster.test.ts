// The basic cluster scenarios, every node on Deno.
import { clusterSuite } from '../../conformance/cluster-suite.ts'

clusterSuite('deno')
