/** Reads the Dockerfile's stages and instructions (enough for the image checks in the tests). */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ROOT } from './raftlited-process.ts'

export interface Stage {
  from: string
  instructions: [keyword: string, args: string][]
}

export function parseDockerfile(text: string): { args: Map<string, string>; stages: Stage[] } {
  const lines = text.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'))
  const args = new Map<string, string>()
  const stages: Stage[] = []
  for (const line of lines) {
    const [, keyword, rest] = /^(\S+)\s+(.*)$/.exec(line)!
    const k = keyword.toUpperCase()
    if (k === 'FROM') stages.push({ from: rest, instructions: [] })
    else if (stages.length === 0 && k === 'ARG') args.set(...(rest.split('=') as [string, string]))
    else stages.at(-1)!.instructions.push([k, rest])
  }
  return { args, stages }
}

/** `ENV A=1 B=2` pairs (values here have no spaces or quotes). */
export function envOf(stage: Stage): Record<string, string> {
  const pairs = stage.instructions.filter(([k]) => k === 'ENV').flatMap(([, v]) => v.split(/\s+/))
  return Object.fromEntries(pairs.map((p) => p.split('=') as [string, string]))
}

export const instruction = (stage: Stage, keyword: string) => stage.instructions.filter(([k]) => k === keyword).map(([, v]) => v)

/** The final image of the repository's Dockerfile: its environment and entry point. */
export function finalImage(): { stage: Stage; env: Record<string, string>; entrypoint: string[] } {
  const stage = parseDockerfile(readFileSync(join(ROOT, 'Dockerfile'), 'utf8')).stages.at(-1)!
  return { stage, env: envOf(stage), entrypoint: JSON.parse(instruction(stage, 'ENTRYPOINT')[0]) as string[] }
}
