/**
 * Drives a program in a real terminal: tmux (from Debian; `.ci/run` installs it) on a private
 * server socket, keys sent as a person would type them, the screen read back as text.
 */
import { execFileSync } from 'node:child_process'
import { afterAll } from 'vitest'

const servers = new Set<string>()
if (process.env.VITEST) {
  afterAll(() => {
    for (const socket of servers) killServer(socket)
    servers.clear()
  })
}

function killServer(socket: string): void {
  try {
    execFileSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore' })
  } catch {
    // already gone
  }
}

export interface TerminalOptions {
  env?: Record<string, string>
  columns?: number
  rows?: number
  cwd?: string
}

export class Terminal {
  private readonly socket = `raftlite-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`

  constructor(command: string[], options: TerminalOptions = {}) {
    servers.add(this.socket)
    const env = Object.entries(options.env ?? {}).map(([k, v]) => `${k}=${v}`)
    // `env` puts the variables in the program's environment, whatever tmux's server has.
    this.tmux('new-session', '-d', '-s', 'main', '-x', String(options.columns ?? 120), '-y', String(options.rows ?? 40), ...(options.cwd ? ['-c', options.cwd] : []), 'env', ...env, ...command)
    // Keep the pane after the program exits, so its last screen can still be read.
    this.tmux('set-option', '-t', 'main', 'remain-on-exit', 'on')
  }

  /** Types text literally (no Enter). */
  type(text: string): void {
    // tmux takes an argument ending in ";" as a command separator: escape it.
    for (const part of text.split(/(;)/)) {
      if (part === '') continue
      if (part === ';') this.tmux('send-keys', '-t', 'main', '-H', '3b')
      else this.tmux('send-keys', '-t', 'main', '-l', part)
    }
  }

  /** Presses keys by tmux name: Enter, Tab, Up, Home, End, C-c, C-d … */
  press(...keys: string[]): void {
    for (const key of keys) this.tmux('send-keys', '-t', 'main', key)
  }

  /** Types a line and presses Enter. */
  line(text: string): void {
    this.type(text)
    this.press('Enter')
  }

  /** The visible screen, wrapped lines joined, trailing blank lines dropped (tmux also drops each line's trailing spaces: a prompt `h> ` reads `h>`). */
  screen(): string {
    return this.tmux('capture-pane', '-p', '-J', '-t', 'main').replace(/\s+$/, '')
  }

  /** Whether the program in the pane has exited. */
  exited(): boolean {
    return this.tmux('display-message', '-p', '-t', 'main', '#{pane_dead}').trim() === '1'
  }

  /** Waits until the screen matches; fails with the screen after `timeoutMs`. */
  async waitFor(pattern: RegExp, timeoutMs = 15_000): Promise<string> {
    const deadline = Date.now() + timeoutMs
    let screen = ''
    while (Date.now() < deadline) {
      screen = this.screen()
      if (pattern.test(screen)) return screen
      await new Promise((r) => setTimeout(r, 50))
    }
    throw new Error(`the terminal did not show ${pattern} within ${timeoutMs} ms; it shows:\n${screen}`)
  }

  close(): void {
    killServer(this.socket)
    servers.delete(this.socket)
  }

  private tmux(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, '-f', '/dev/null', ...args], { encoding: 'utf8' })
  }
}
