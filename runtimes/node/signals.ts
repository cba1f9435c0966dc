/** Calls `handler` once, on the first SIGINT or SIGTERM. */
export function onShutdownSignal(handler: (signal: string) => void): void {
  const once = (signal: NodeJS.Signals) => {
    process.off('SIGINT', once)
    process.off('SIGTERM', once)
    handler(signal)
  }
  process.on('SIGINT', once)
  process.on('SIGTERM', once)
}
