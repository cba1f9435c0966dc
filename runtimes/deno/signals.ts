const SIGNALS = ['SIGINT', 'SIGTERM'] as const

/** Calls `handler` once, on the first SIGINT or SIGTERM. */
export function onShutdownSignal(handler: (signal: string) => void): void {
  const listeners = SIGNALS.map((signal) => [signal, () => {
    for (const [s, l] of listeners) Deno.removeSignalListener(s, l)
    handler(signal)
  }] as const)
  for (const [s, l] of listeners) Deno.addSignalListener(s, l)
}
