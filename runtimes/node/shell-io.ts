/** The shell's runtime side on Node (Deno and Bun implement these `node:` modules too). */
import { spawn } from 'node:child_process'
import { createWriteStream } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { createInterface } from 'node:readline'
import type { FileSink, ShellIo } from '../../src/shell/shell-io.ts'

/** The interactive loop stops reading the terminal while a pager owns it. */
export const terminalHandover = { pause: () => {}, resume: () => {} }

export function nodeShellIo(): ShellIo {
  // `raftlite … | head`: the reader left; stop quietly as other Unix tools do.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0)
    throw e
  })
  const terminal = Boolean(process.stdout.isTTY) && Boolean(process.stdin.isTTY)
  const pager = process.env.PAGER?.trim()
  return {
    out: (text) => void process.stdout.write(text),
    err: (text) => void process.stderr.write(text),
    readFile: async (path) => new Uint8Array(await readFile(path)),
    createFile: (path) => createFileSink(path),
    now: () => performance.now(),
    interactive: terminal,
    terminalSize: terminal ? () => ({ columns: process.stdout.columns ?? 80, rows: process.stdout.rows ?? 24 }) : undefined,
    page: terminal && pager ? (text) => runPager(pager, text) : undefined,
  }
}

function createFileSink(path: string): Promise<FileSink> {
  return new Promise((resolve, reject) => {
    const stream = createWriteStream(path)
    stream.once('error', reject)
    stream.once('open', () => {
      stream.off('error', reject)
      let failure: Error | undefined
      stream.on('error', (e) => (failure = e))
      resolve({
        write: (chunk) =>
          new Promise<void>((done, fail) => {
            if (failure) return fail(failure)
            stream.write(chunk, (e) => (e ? fail(e) : done()))
          }),
        close: () =>
          new Promise<void>((done, fail) => {
            if (stream.closed) return failure ? fail(failure) : done()
            stream.end(() => (failure ? fail(failure) : done()))
          }),
      })
    })
  })
}

/** Shows text through $PAGER (run by the shell, as git and psql do), with the terminal handed over meanwhile. */
function runPager(pager: string, text: string): Promise<void> {
  terminalHandover.pause()
  const raw = process.stdin.isTTY && process.stdin.isRaw
  if (raw) process.stdin.setRawMode(false)
  return new Promise<void>((resolve) => {
    const done = () => {
      if (raw) process.stdin.setRawMode(true)
      terminalHandover.resume()
      resolve()
    }
    // A pager that cannot start (missing, or Deno without --allow-run) must not lose the result.
    const printInstead = () => {
      process.stdout.write(text)
      done()
    }
    let child: ReturnType<typeof spawn>
    try {
      child = spawn(pager, { shell: true, stdio: ['pipe', 'inherit', 'inherit'] })
    } catch {
      return printInstead()
    }
    child.stdin!.on('error', () => {}) // the reader quit early (q in less): not a failure
    child.stdin!.end(text)
    // 127: the shell found no such command.
    child.once('exit', (code) => (code === 127 ? printInstead() : done()))
    child.once('error', printInstead)
  })
}

/** Standard input line by line (piped use). */
export async function* stdinLines(): AsyncIterable<string> {
  const rl = createInterface({ input: process.stdin, crlfDelay: Infinity, terminal: false })
  for await (const line of rl) yield line
}
