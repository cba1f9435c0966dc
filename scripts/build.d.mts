export const WORKER_ENTRIES: string[]
export function buildDist(): Promise<void>
export function buildLibrary(): Promise<void>
