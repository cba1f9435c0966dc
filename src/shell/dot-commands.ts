/** Every dot-command, the dispatcher, `.help`, and the suggestion for a mistyped one. */
import { changesCommand } from './changes-command.ts'
import { clusterCommands } from './cluster-commands.ts'
import { type DotCommand, onOff, splitWords, UsageError } from './dot-command.ts'
import { OUTPUT_MODES, type OutputMode } from './render-rows.ts'
import type { Consistency, ShellContext } from './shell-context.ts'
import { transferCommands } from './transfer-commands.ts'

const CONSISTENCY_LEVELS: Consistency[] = ['none', 'weak', 'linearizable', 'strong']

const sessionCommands: DotCommand[] = [
  { name: 'help', args: '', help: 'Show this message', run: (ctx) => ctx.print(helpText()) },
  { name: 'tables', args: '', help: 'List names of tables', run: (ctx) => ctx.query(`SELECT name FROM sqlite_master WHERE type="table" ORDER BY name`) },
  {
    name: 'schema',
    args: '[TABLE]',
    help: 'Show the CREATE statements (of TABLE and its indexes)',
    run: (ctx, [table]) =>
      ctx.query(
        table === undefined
          ? 'SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY rowid'
          : `SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND tbl_name = '${table.replace(/'/g, "''")}' ORDER BY rowid`,
      ),
  },
  { name: 'indexes', args: '', help: 'Show the CREATE statements of all indexes', run: (ctx) => ctx.query(`SELECT sql FROM sqlite_master WHERE type="index" AND sql IS NOT NULL`) },
  {
    name: 'mode',
    args: OUTPUT_MODES.join('|'),
    help: 'Set the output mode (no argument: show it)',
    run: (ctx, [mode]) => {
      if (mode === undefined) return ctx.print(`${ctx.settings.mode}\n`)
      if (!(OUTPUT_MODES as readonly string[]).includes(mode)) throw new UsageError(`unknown mode ${JSON.stringify(mode)}: use ${OUTPUT_MODES.join(', ')}`)
      ctx.settings.mode = mode as OutputMode
    },
  },
  { name: 'timer', args: 'on|off', help: 'Show the time each statement took', run: (ctx, [v]) => void (ctx.settings.timer = onOff(v, '.timer')) },
  {
    name: 'consistency',
    args: `[${CONSISTENCY_LEVELS.join('|')}]`,
    help: 'Set the read consistency level (no argument: show it)',
    run: (ctx, [level]) => {
      if (level === undefined) return ctx.print(`${ctx.settings.consistency}\n`)
      if (!(CONSISTENCY_LEVELS as string[]).includes(level)) throw new UsageError(`unknown consistency level ${JSON.stringify(level)}: use ${CONSISTENCY_LEVELS.join(', ')}`)
      ctx.settings.consistency = level as Consistency
    },
  },
  { name: 'blobarray', args: 'on|off', help: 'Show BLOBs as arrays of bytes instead of base64', run: (ctx, [v]) => void (ctx.settings.blobArray = onOff(v, '.blobarray')) },
  { name: 'forcewrites', args: 'on|off', help: 'Send every statement to /db/execute, reads included', run: (ctx, [v]) => void (ctx.settings.forceWrites = onOff(v, '.forcewrites')) },
  {
    name: 'show',
    args: '',
    help: 'Show the current settings',
    run: (ctx) => {
      const s = ctx.settings
      return ctx.print([
        `        host: ${ctx.http.baseUrl}`,
        `        mode: ${s.mode}`,
        `       timer: ${s.timer ? 'on' : 'off'}`,
        ` consistency: ${s.consistency}`,
        `   blobarray: ${s.blobArray ? 'on' : 'off'}`,
        ` forcewrites: ${s.forceWrites ? 'on' : 'off'}`,
        `      output: ${s.outputPath ?? 'stdout'}`,
      ])
    },
  },
  {
    name: 'output',
    args: '[FILE]',
    help: 'Send results to FILE (no argument: back to standard output)',
    run: (ctx, [file]) => ctx.setOutput(file === undefined || file === 'stdout' ? undefined : file),
  },
  {
    name: 'read',
    args: 'FILE',
    help: 'Run the SQL and dot-commands in FILE',
    run: async (ctx, [file]) => {
      if (file === undefined) throw new UsageError('usage: .read FILE')
      await ctx.runText(new TextDecoder().decode(await ctx.io.readFile(file)))
    },
  },
  { name: 'exit', args: '', help: 'Exit this program', run: (ctx) => ctx.exit() },
  { name: 'quit', args: '', help: 'Exit this program', run: (ctx) => ctx.exit() },
]

export const DOT_COMMANDS: DotCommand[] = [...sessionCommands, ...transferCommands, ...clusterCommands, changesCommand].sort((a, b) => (a.name < b.name ? -1 : 1))

export function helpText(): string {
  const usage = DOT_COMMANDS.map((c) => `.${c.name}${c.args ? ` ${c.args}` : ''}`)
  const width = Math.max(...usage.map((u) => u.length)) + 2
  return DOT_COMMANDS.map((c, i) => `${usage[i].padEnd(width)}${c.help}\n`).join('')
}

/** Runs one dot-command line, e.g. `.mode csv`. Names are case-insensitive, as in rqlite. */
export async function runDotCommand(ctx: ShellContext, line: string): Promise<void> {
  const [word, ...args] = splitWords(line)
  const name = word.slice(1).toLowerCase()
  const command = DOT_COMMANDS.find((c) => c.name === name)
  if (!command) {
    const near = nearestCommand(name)
    throw new UsageError(`unknown command ${JSON.stringify(word)}: ${near ? `did you mean ".${near}"?` : 'enter ".help" for the list'}`)
  }
  await command.run(ctx, args)
}

/** The command closest to a mistyped name (edit distance, or a prefix), if any is close enough. */
export function nearestCommand(name: string): string | undefined {
  let best: string | undefined
  let bestDistance = Infinity
  for (const c of DOT_COMMANDS) {
    const d = c.name.startsWith(name) && name.length >= 2 ? 0.5 : editDistance(name, c.name)
    if (d < bestDistance) {
      bestDistance = d
      best = c.name
    }
  }
  return bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined
}

function editDistance(a: string, b: string): number {
  let prevPrev: number[] = []
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const row = [i]
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1))
      // A swap of two neighbours counts as one edit (`.tabels`).
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) row[j] = Math.min(row[j], prevPrev[j - 2] + 1)
    }
    prevPrev = prev
    prev = row
  }
  return prev[b.length]
}
