/** Test certificates, made with openssl at test time: a CA and certificates it signs for 127.0.0.1. */
import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { tempDataDir } from './raftlited-process.ts'

export interface CertFiles {
  cert: string
  key: string
}

export interface TestCa extends CertFiles {
  dir: string
  /** Issues a certificate valid for 127.0.0.1 and localhost, for servers and clients. */
  issue(name: string, commonName?: string): CertFiles
}

const openssl = (args: string[], cwd: string) => execFileSync('openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] })
const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']

export function makeTestCa(name = 'raftlite-test-ca'): TestCa {
  const dir = tempDataDir('raftlite-certs-')
  openssl(['req', '-x509', ...EC, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', `/CN=${name}`], dir)
  let serial = 0
  return {
    dir,
    cert: join(dir, 'ca.crt'),
    key: join(dir, 'ca.key'),
    issue(file, commonName = file) {
      const ext = join(dir, `${file}.ext`)
      writeFileSync(ext, 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n')
      openssl(['req', ...EC, '-keyout', `${file}.key`, '-out', `${file}.csr`, '-subj', `/CN=${commonName}`], dir)
      openssl(['x509', '-req', '-in', `${file}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-set_serial', String(++serial + Date.now()), '-out', `${file}.crt`, '-days', '2', '-extfile', ext], dir)
      return { cert: join(dir, `${file}.crt`), key: join(dir, `${file}.key`) }
    },
  }
}
