/**
 * The interactive shell on a terminal, with Node's readline: line editing (Home/End, Up/Down
 * through history kept in ~/.raftlite_history), tab completion, Ctrl-C to drop the line or
 * cancel the running request, Ctrl-D to leave.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { createInterface, type Interface } from 'node:readline'
import { PassThrough } from 'node:stream'
import { StringDecoder } from 'node:string_decoder'
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
  const input = keystrokes()
  const rl = createInterface({
    input: input.stream,
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
  terminalHandover.pause = () => {
    rl.pause()
    input.pause()
  }
  terminalHandover.resume = () => {
    input.resume()
    rl.resume()
  }

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
  input.close()
}

/**
 * The terminal's input, one character per chunk. Node 20's readline garbles text that arrives
 * in one chunk when the cursor is not at the end of the line (a paste after Home: "SEL" typed
 * at the start of "41" came out as "41L…SE"); 22 and later, Deno and Bun do not. Character by
 * character is how a person types, and every version handles that. Raw mode is set here, since
 * readline sets it only on a TTY stream it is given.
 */
function keystrokes(): { stream: PassThrough; pause(): void; resume(): void; close(): void } {
  const stream = new PassThrough({ encoding: 'utf8' })
  const decoder = new StringDecoder('utf8')
  const onData = (chunk: Buffer) => {
    for (const ch of decoder.write(chunk)) stream.write(ch)
  }
  process.stdin.setRawMode(true)
  process.stdin.on('data', onData)
  process.stdin.once('end', () => stream.end())
  process.stdin.resume()
  return {
    stream,
    pause: () => process.stdin.pause(),
    resume: () => process.stdin.resume(),
    close: () => {
      process.stdin.off('data', onData)
      process.stdin.setRawMode(false)
      process.stdin.pause()
    },
  }
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
