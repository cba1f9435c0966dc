/** The backup target a config names. */
import type { FilePort } from '../ports/file-port.ts'
import type { TargetConfig } from './backup-config.ts'
import type { BackupTarget } from './backup-target.ts'
import { FileTarget } from './file-target.ts'
import { GcsTarget } from './gcs-target.ts'
import type { Clock } from '../ports/clock.ts'
import { S3Target } from './s3-target.ts'

export function openTarget(config: TargetConfig, files: FilePort, clock: Clock, fetcher?: typeof fetch): BackupTarget {
  switch (config.type) {
    case 'file':
      return new FileTarget(files, config.dir, config.name)
    case 's3':
      return new S3Target(config, fetcher)
    case 'gcs':
      return new GcsTarget(config, files, clock, fetcher)
  }
}
