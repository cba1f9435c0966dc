/** Writes bench/results/latest.{json,md,svg} from the runs, and prints the tables. */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ROOT } from '../test/support/raftlited-process.ts'
import { type Summary, summarize } from './aggregate.ts'
import { markdownTable, ratioCells, summaryCells, textTable } from './report.ts'
import { type Row, rowKey } from './row.ts'
import { renderChart } from './svg-chart.ts'
import { ratios } from './targets.ts'

export interface RunMeta {
  date: string
  quick: boolean
  node: string
  runtimes: string[]
  peers: string[]
  budget: unknown
}

export function writeOutputs(runs: Row[][], meta: RunMeta): Summary[] {
  // Rows in the first run's order (runtimes side by side); a row missing from it goes last.
  const order = runs.flat().map(rowKey)
  const summary = summarize(runs).sort((a, b) => order.indexOf(rowKey(a)) - order.indexOf(rowKey(b)))
  const compared = ratios(runs)
  console.log(`\n${textTable(summaryCells(summary))}\n\n${textTable(ratioCells(compared))}`)
  const out = join(ROOT, 'bench/results')
  mkdirSync(out, { recursive: true })
  const title = `raftlite bench, ${meta.date.slice(0, 10)}, ${meta.quick ? 'quick' : 'full'}, median of ${runs.length} run(s)`
  writeFileSync(join(out, 'latest.json'), JSON.stringify({ ...meta, summary, ratios: compared, runs }, null, 2))
  writeFileSync(join(out, 'latest.md'), `${markdownTable(summaryCells(summary))}\n\n${markdownTable(ratioCells(compared))}\n`)
  writeFileSync(join(out, 'latest.svg'), renderChart(summary, title))
  return summary
}
