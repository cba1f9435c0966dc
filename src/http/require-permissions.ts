/**
 * Access control for the HTTP API (rqlite's `-auth`): each route's permissions
 * (`auth/route-permissions.ts`) checked against the request's Basic credentials. A refusal is
 * rqlite's: 401 with an empty body. `OPTIONS` needs nothing (CORS preflights carry no credentials).
 */
import type { MiddlewareHandler } from 'hono'
import type { Authorizer } from '../auth/authorizer.ts'
import { basicCredentials } from '../auth/credentials.ts'
import { routePermissions } from '../auth/route-permissions.ts'
import { empty } from './respond.ts'

/** What every response says while access control is on (rqlite's headers). */
export const AUTH_HEADERS: Readonly<Record<string, string>> = {
  'WWW-Authenticate': 'Basic realm="rqlite"',
  'Access-Control-Allow-Headers': 'Content-Type, Authorization',
  'Access-Control-Allow-Credentials': 'true',
}

export function requirePermissions(authorizer: Authorizer): MiddlewareHandler {
  return async (c, next) => {
    if (c.req.method === 'OPTIONS') return next()
    // The path as routed, relative to where the API is mounted (`/raftlite/*` → `/raftlite`).
    const base = c.req.routePath.replace(/\/?\*$/, '')
    const perms = routePermissions(c.req.path.slice(base.length) || '/')
    if (perms.length === 0) return next()
    if (!(await authorizer.allows(basicCredentials(c.req.header('authorization')), perms))) return empty(401)
    return next()
  }
}
