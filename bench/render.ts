/** `npx tsx bench/render.ts [results.json]` — rewrites the tables and chart from saved runs. */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ROOT } from '../test/support/raftlited-process.ts'
import { writeOutputs } from './outputs.ts'

const file = process.argv[2] ?? join(ROOT, 'bench/results/latest.json')
const { runs, summary: _summary, ratios: _ratios, ...meta } = JSON.parse(readFileSync(file, 'utf8'))
writeOutputs(runs, meta)
