/**
 * Bounds a transfer by progress rather than by total time: a large snapshot may take minutes,
 * but a peer that stops reading (or never answers) must not hold the sender forever.
 */
import type { Timers } from '../ports/timers.ts'

export interface StallGuard {
  /** Abort this when no bytes moved for `stallMs`. */
  signal: AbortSignal
  /** Wraps the upload so every chunk taken counts as progress. */
  watch(body: ReadableStream<Uint8Array>): ReadableStream<Uint8Array>
  /** Counts as progress (e.g. response bytes). */
  progress(): void
  /** Stops watching: the transfer ended. */
  done(): void
  /** Gives up on the transfer now (something more important needs what it holds). */
  abort(reason: string): void
}

export function stallGuard(timers: Timers, stallMs: number): StallGuard {
  const controller = new AbortController()
  let cancel = () => {}
  const arm = () => {
    cancel()
    cancel = timers.setTimeout(() => controller.abort(new Error(`no progress for ${stallMs} ms`)), stallMs)
  }
  arm()
  return {
    signal: controller.signal,
    watch(body) {
      return body.pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, out) {
            arm()
            out.enqueue(chunk)
          },
        }),
      )
    },
    progress: arm,
    done: () => cancel(),
    abort: (reason) => {
      cancel()
      controller.abort(new Error(reason))
    },
  }
}
