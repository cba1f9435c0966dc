/**
 * The interactive shell on a terminal, with Node's readline: line editing (Home/End, Up/Down
 * through history kept in ~/.raftlite_history), tab completion, Ctrl-C to drop the line or
 * cancel the running request, Ctrl-D to leave.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { createInterface, type Interface } from 'node:readline'
import { complete } from '../../src/shell/completion.ts'
import { addHistory, formatHistory, HISTORY_FILE, historyEntry, historySize, parseHistory } from '../../src/shell/history.ts'
import { SchemaNameCache } from '../../src/shell/schema-names.ts'
import type { ShellSession } from '../../src/shell/shell-session.ts'
import { terminalHandover } from './shell-io.ts'

export async function runTerminal(session: ShellSession, env: Readonly<Record<string, string | undefined>>): Promise<void> {
  const size = historySize(env)
  const file = join(env.HOME || homedir(), HISTORY_FILE)
  let entries = size > 0 ? parseHistory(readOr(file, ''), size) : []
  const names = new SchemaNameCache(session.http)
  const rl = createInterface({
    input: process.stdin,
    output: process.stdout,
    terminal: true,
    // The shell keeps history itself (a multi-line statement is one entry); readline only browses it.
    historySize: 0,
    completer: (line: string, done: (err: null, result: [string[], string]) => void) => {
      names.get().then(
        (n) => done(null, complete(line, n)),
        () => done(null, complete(line, { tables: [], columns: [] })),
      )
    },
  })
  const browsable = rl as Interface & { history: string[] }
  browsable.history = [...entries].reverse()
  terminalHandover.pause = () => rl.pause()
  terminalHandover.resume = () => rl.resume()

  let typed: string[] = []
  const prompt = () => {
    rl.setPrompt(session.prompt())
    // Keep the cursor where it is: keys typed while a statement ran are already on the line.
    rl.prompt(true)
  }
  rl.on('SIGINT', () => {
    if (session.interrupt() === 'request') return
    // Drop what is typed, the current line and any earlier lines of the statement, leaving it
    // on the screen marked ^C (as bash and psql do).
    process.stdout.write('^C\n')
    const editable = rl as unknown as { line: string; cursor: number }
    editable.line = ''
    editable.cursor = 0
    typed = []
    prompt()
  })

  prompt()
  for await (const line of rl) {
    typed.push(line)
    await session.feed(line)
    names.invalidate()
    if (!session.continuing) {
      const entry = historyEntry(typed)
      typed = []
      if (entry !== '' && size > 0) {
        entries = addHistory(entries, entry, size)
        browsable.history = [...entries].reverse()
        save(file, formatHistory(entries, size))
      }
    }
    if (session.exitRequested) break
    prompt()
  }
  rl.close()
}

function readOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return fallback
  }
}

// After every entry, so a killed shell loses nothing; a history that cannot be written is no reason to stop.
function save(path: string, text: string): void {
  try {
    writeFileSync(path, text, { mode: 0o600 })
  } catch {
    // read-only home: history stays in memory
  }
}
