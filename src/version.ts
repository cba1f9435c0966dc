/** raftlite's version (reported by -version, /status and the X-RQLITE-VERSION header). */
export const RAFTLITE_VERSION = '0.1.0'
