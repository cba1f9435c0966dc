export { onShutdownSignal } from '../node/signals.ts' // Bun delivers signals through process.on
