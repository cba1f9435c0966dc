/** The cluster secret's file (`-cluster-secret-file`): its text, without the trailing newline an editor adds. */
import { type FilePort, readTextFile } from '../ports/file-port.ts'

export function readClusterSecret(files: FilePort, path: string): string {
  let text: string
  try {
    text = readTextFile(files, path)
  } catch (e) {
    throw new Error(`cannot read the cluster secret file ${path}: ${e instanceof Error ? e.message : String(e)}`)
  }
  const secret = text.replace(/[\r\n]+$/, '')
  if (secret === '') throw new Error(`the cluster secret file ${path} is empty`)
  return secret
}
