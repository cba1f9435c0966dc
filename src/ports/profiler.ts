/**
 * Profiling the daemon (`-cpu-profile`, `-mem-profile`, `-trace-profile`), where the runtime
 * offers it: each profile runs from start to stop and is written to its file at stop.
 */
export interface ProfileTargets {
  /** V8 CPU profile (`.cpuprofile`, readable by Chrome DevTools). */
  cpu?: string
  /** V8 sampling heap profile (`.heapprofile`). */
  mem?: string
  /** Trace events (Chrome's trace format, `chrome://tracing` or Perfetto). */
  trace?: string
}

export interface Profiler {
  /** Starts the profiles asked for; resolves with a function that stops them and writes the files. */
  start(targets: ProfileTargets): Promise<() => Promise<void>>
}
