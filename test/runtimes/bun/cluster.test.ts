// The basic cluster scenarios, every node on Bun.
import { clusterSuite } from '../../conformance/cluster-suite.ts'

clusterSuite('bun')
