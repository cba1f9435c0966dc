import type { LogStore } from '../cluster/log-store.ts'
import { DurableLog } from '../log/durable-log.ts'
import type { FilePort } from '../ports/file-port.ts'

/** Opens (recovering if needed) the node's durable Raft log in `dir`. */
export function openLogStore(files: FilePort, dir: string, logger?: (message: string) => void): LogStore {
  files.mkdirp(dir)
  return DurableLog.open(files, dir, { logger })
}
