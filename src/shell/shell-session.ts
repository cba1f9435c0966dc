/**
 * One shell session: takes input line by line (typed or piped), runs complete SQL statements
 * through `/db/request` and dot-commands, prints results in the current mode, and remembers
 * whether anything failed (the exit status).
 */
import { runDotCommand } from './dot-commands.ts'
import { renderRows, visible } from './render-rows.ts'
import { readResponse, type ResultView } from './result-view.ts'
import type { ShellContext, ShellSettings } from './shell-context.ts'
import { CancelledError, type ShellHttp } from './shell-http.ts'
import type { FileSink, ShellIo } from './shell-io.ts'
import { isBlankSql, splitStatements } from './split-statements.ts'

const MAX_READ_DEPTH = 16

export class ShellSession implements ShellContext {
  readonly settings: ShellSettings = { mode: 'column', timer: false, consistency: 'weak', blobArray: false, forceWrites: false }
  /** Something failed: the exit status is 1. */
  failed = false
  /** `.exit`, `.quit`, `exit` or `quit` was entered. */
  exitRequested = false
  private pending = ''
  private controller = new AbortController()
  private running = false
  private outputFile?: FileSink
  private textDepth = 0

  constructor(
    readonly http: ShellHttp,
    readonly io: ShellIo,
  ) {}

  get signal(): AbortSignal {
    return this.controller.signal
  }

  /** A statement is being typed over several lines. */
  get continuing(): boolean {
    return this.pending !== ''
  }

  prompt(): string {
    const main = `${this.http.host}> `
    return this.continuing ? `${' '.repeat(Math.max(0, main.length - 5))}...> ` : main
  }

  /** Ctrl-C: cancels the running request, else drops the statement being typed. Says which. */
  interrupt(): 'request' | 'line' {
    if (this.running) {
      this.controller.abort()
      return 'request'
    }
    this.pending = ''
    return 'line'
  }

  /** One line of input. Dot-commands take a line of their own; SQL runs once a `;` ends it. */
  async feed(line: string): Promise<void> {
    if (!this.continuing) {
      const trimmed = line.trim()
      if (trimmed === '' || trimmed.startsWith('--')) return
      if (trimmed.startsWith('.')) return this.guard(() => runDotCommand(this, trimmed))
      if (/^(exit|quit);?$/i.test(trimmed)) return this.exit()
    }
    this.pending += `${line}\n`
    const { statements, rest } = splitStatements(this.pending)
    this.pending = isBlankSql(rest) ? '' : rest
    for (const statement of statements) {
      if (this.exitRequested) return
      await this.guard(() => this.runStatement(statement))
    }
  }

  /**
   * End of input. Piped, a last statement without `;` runs too; typed, it is dropped with a
   * notice: Ctrl-D must never run half a statement (a `DELETE` before its `WHERE`).
   */
  async finish(runPending = true): Promise<void> {
    const rest = this.pending.trim()
    this.pending = ''
    if (rest !== '' && !this.exitRequested) {
      if (runPending) await this.guard(() => this.runStatement(rest))
      else this.io.err('(an unfinished statement was not run)\n')
    }
    await this.setOutput(undefined)
  }

  /** Runs a whole text (a file, a `-e` argument): its lines, then whatever is left. */
  async runText(text: string): Promise<void> {
    // `.read` of a file that reads itself would never end.
    if (this.textDepth >= MAX_READ_DEPTH) throw new Error(`.read nested more than ${MAX_READ_DEPTH} deep`)
    this.textDepth++
    // The text is a unit of its own: a statement typed before `.read` is not continued by the file.
    const outer = this.pending
    this.pending = ''
    try {
      for (const line of text.split(/\r?\n/)) {
        // Ctrl-C during a `.read` stops the rest of the file too.
        if (this.exitRequested || (this.running && this.signal.aborted)) return
        await this.feed(line)
      }
      const rest = this.pending.trim()
      this.pending = ''
      if (rest !== '' && !this.exitRequested) await this.guard(() => this.runStatement(rest))
    } finally {
      this.textDepth--
      this.pending = outer
    }
  }

  exit(): void {
    this.exitRequested = true
  }

  fail(message: string): void {
    this.failed = true
    this.io.err(`Error: ${visible(message)}\n`)
  }

  async print(lines: string | string[]): Promise<void> {
    const text = typeof lines === 'string' ? lines : lines.map((l) => `${l}\n`).join('')
    if (this.outputFile) await this.outputFile.write(text)
    else this.io.out(text)
  }

  async setOutput(path: string | undefined): Promise<void> {
    const previous = this.outputFile
    this.outputFile = undefined
    this.settings.outputPath = undefined
    await previous?.close()
    if (path !== undefined) {
      this.outputFile = await this.io.createFile(path)
      this.settings.outputPath = path
    }
  }

  async query(sql: string): Promise<void> {
    await this.runStatement(sql, true)
  }

  /** Sends one statement and prints its results. */
  async runStatement(sql: string, readOnly = false): Promise<void> {
    const { mode, timer, consistency, blobArray, forceWrites } = this.settings
    const path = readOnly ? 'db/query' : forceWrites ? 'db/execute' : 'db/request'
    const res = await this.http.send({
      method: 'POST',
      path,
      query: { timings: timer ? '' : undefined, level: consistency === 'weak' || path === 'db/execute' ? undefined : consistency, blob_array: blobArray ? '' : undefined },
      headers: { 'Content-Type': 'application/json' },
      body: () => JSON.stringify([sql]),
      signal: this.signal,
    })
    const text = await res.text()
    if (res.status !== 200) return this.fail(`server responded with ${res.status} ${res.statusText}: ${text.trim()}`)
    const response = readResponse(text)
    if (response.error !== undefined) return this.fail(response.error)
    for (const result of response.results) await this.show(result, this.io.interactive)
  }

  private async show(result: ResultView, mayPage: boolean): Promise<void> {
    if (result.kind === 'error') return this.fail(result.message)
    const timing = this.settings.timer && result.time !== undefined ? result.time.toFixed(6) : undefined
    if (result.kind === 'changed') {
      const noun = result.rowsAffected > 1 ? 'rows' : 'row'
      return this.print(`${result.rowsAffected} ${noun} affected${timing !== undefined ? ` (${timing} sec)` : ''}\n`)
    }
    const lines = renderRows(this.settings.mode, result)
    if (timing !== undefined) lines.push(`Run Time: ${timing} seconds`)
    if (mayPage && this.outputFile === undefined && this.io.page && this.tooBig(lines)) return this.io.page(lines.map((l) => `${l}\n`).join(''))
    return this.print(lines)
  }

  private tooBig(lines: string[]): boolean {
    const size = this.io.terminalSize?.()
    if (!size) return false
    return lines.length > size.rows - 1 || lines.some((l) => [...l].length > size.columns)
  }

  /**
   * Runs a command, reporting its failure instead of throwing. The outermost command gets a
   * fresh signal; commands run by `.read` share it, so Ctrl-C stops the whole file.
   */
  private async guard(run: () => Promise<void> | void): Promise<void> {
    const outermost = !this.running
    if (outermost) {
      this.controller = new AbortController()
      this.running = true
    }
    try {
      await run()
    } catch (e) {
      if (e instanceof CancelledError || this.controller.signal.aborted) this.fail('interrupted')
      else this.fail(e instanceof Error ? e.message : String(e))
    } finally {
      if (outermost) this.running = false
    }
  }
}
