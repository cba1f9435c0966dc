/**
 * Which permissions each route of the HTTP API needs (rqlite's table, plus the routes raftlite
 * adds). By path, not by handler, so a route added later is covered as soon as it is listed
 * here, and one that is not listed needs nothing (it can only be a 404 or `/`).
 */
import type { Permission } from './permissions.ts'

/** Matched by path prefix, as rqlite routes them; first match wins. */
const PREFIX: [string, Permission[]][] = [
  ['/db/execute', ['execute']],
  ['/db/query', ['query']],
  ['/db/request', ['execute', 'query']],
  ['/db/sql', ['query']],
  ['/db/changes', ['query']],
  ['/db/backup', ['backup']],
  ['/db/load', ['load']],
  ['/status', ['status']],
  ['/nodes', ['status']],
  ['/readyz', ['ready']],
  ['/remove', ['remove']],
  ['/debug/pprof', ['status']],
  ['/metrics', ['status']],
  ['/console', ['ui']],
]

/** Matched exactly. */
const EXACT: Record<string, Permission[]> = {
  '/leader': ['leader-ops'],
  '/debug/vars': ['status'],
  '/licenses': ['status'],
  '/boot': ['load'],
  '/snapshot': ['snapshot'],
  '/reap': ['snapshot'],
}

/** The permissions a request to `path` (relative to where the API is mounted) needs. */
export function routePermissions(path: string): readonly Permission[] {
  const exact = EXACT[path]
  if (exact) return exact
  for (const [prefix, perms] of PREFIX) if (path.startsWith(prefix)) return perms
  return []
}
