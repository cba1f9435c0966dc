/**
 * The daemon's `-auto-restore` and `-auto-backup`: read their config files, restore on an
 * empty leader, then back up on schedule; the backup's progress goes to /status
 * (`auto_backups`) and /debug/vars (`uploader`).
 */
import { silentLogger } from '../observe/logger.ts'
import { readTextFile } from '../ports/file-port.ts'
import type { RaftliteNode } from '../node/raftlite-node.ts'
import { AutoBackup } from './auto-backup.ts'
import { autoRestore } from './auto-restore.ts'
import { parseAutoBackupConfig, parseAutoRestoreConfig } from './backup-config.ts'
import { openTarget } from './open-target.ts'

export interface BackupFlags {
  autoBackup: string
  autoRestore: string
}

type Env = (name: string) => string | undefined

/** Restores if asked (throws when that fails and the config does not say to go on). */
export async function runAutoRestore(node: RaftliteNode, flags: BackupFlags, env: Env): Promise<void> {
  if (flags.autoRestore === '') return
  const { files } = node.platform
  const config = parseAutoRestoreConfig(readConfig(files, flags.autoRestore, '-auto-restore'), env)
  const log = (node.platform.logger ?? silentLogger).for('backup')
  try {
    await autoRestore(node, config, openTarget(config.target, files, node.platform.clock), log)
  } catch (e) {
    if (!config.continueOnFailure) throw e
  }
}

/** Starts automatic backups if asked; returns the way to stop them. */
export function startAutoBackup(node: RaftliteNode, flags: BackupFlags, env: Env): AutoBackup | null {
  if (flags.autoBackup === '') return null
  const { files } = node.platform
  const config = parseAutoBackupConfig(readConfig(files, flags.autoBackup, '-auto-backup'), env)
  const log = (node.platform.logger ?? silentLogger).for('backup')
  const backup = new AutoBackup(node, config, openTarget(config.target, files, node.platform.clock), log)
  node.reporters.set('auto_backups', { status: () => backup.status(), expvar: () => backup.expvar(), expvarKey: 'uploader' })
  backup.start()
  return backup
}

function readConfig(files: RaftliteNode['platform']['files'], path: string, flag: string): string {
  try {
    return readTextFile(files, path)
  } catch (e) {
    throw new Error(`cannot read the ${flag} config ${path}: ${e instanceof Error ? e.message : String(e)}`)
  }
}
