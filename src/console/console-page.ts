/**
 * The web console (`GET /console`): one HTML page with its CSS and script inline, so it needs no
 * build step and no other route. It talks to the node that served it: `/console/cluster` for the
 * cluster, `/db/request` for SQL, `/db/query` for the schema, `/metrics` for the charts,
 * `GET /db/changes` (an EventSource, so `connect-src 'self'` covers it) for recent changes, and
 * `POST /leader` to step the leader down. The script below is plain ES2020 kept as text (no
 * template literals in it, so this file's own template never interpolates).
 */
import { CONSOLE_SCRIPT } from './console-script.ts'

const STYLE = `
:root { color-scheme: light dark; --fg: #1b1f24; --bg: #fafbfc; --card: #fff; --line: #d0d7de; --accent: #0a5bd3; --bad: #b42318; --ok: #1a7f37; --muted: #57606a; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --bg: #0d1117; --card: #161b22; --line: #30363d; --accent: #58a6ff; --bad: #ff7b72; --ok: #3fb950; --muted: #8b949e; } }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
header { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: baseline; padding: .75rem 1rem; border-bottom: 1px solid var(--line); }
header h1 { font-size: 1.15rem; margin: 0; }
header p { margin: 0; color: var(--muted); }
main { display: grid; gap: 1rem; padding: 1rem; grid-template-columns: repeat(auto-fit, minmax(min(100%, 26rem), 1fr)); }
section { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: .75rem 1rem; min-width: 0; }
section h2 { font-size: 1rem; margin: 0 0 .5rem; }
.wide { grid-column: 1 / -1; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-weight: 600; }
.scroll { overflow-x: auto; max-height: 24rem; overflow-y: auto; }
textarea { width: 100%; min-height: 6rem; font: 14px/1.4 ui-monospace, SFMono-Regular, Menlo, monospace; padding: .5rem; color: inherit; background: var(--bg); border: 1px solid var(--line); border-radius: 6px; }
button { font: inherit; padding: .45rem .9rem; border-radius: 6px; border: 1px solid var(--accent); background: var(--accent); color: #fff; cursor: pointer; min-height: 2.5rem; }
button.secondary { background: transparent; color: var(--accent); }
button:focus-visible, textarea:focus-visible, summary:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.row { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; margin: .5rem 0; }
.error { color: var(--bad); white-space: pre-wrap; }
.muted { color: var(--muted); }
.nowrap { white-space: nowrap; }
.badge { display: inline-block; padding: 0 .4rem; border-radius: 999px; border: 1px solid currentColor; font-size: .8rem; }
.leader { color: var(--ok); }
.down { color: var(--bad); }
details { border-bottom: 1px solid var(--line); padding: .25rem 0; }
summary { cursor: pointer; font-weight: 600; }
pre { white-space: pre-wrap; word-break: break-word; margin: .25rem 0; font-size: 13px; }
figure { margin: 0 0 .75rem; }
svg { width: 100%; height: 9rem; display: block; }
svg .grid { stroke: var(--line); stroke-width: 1; }
svg .series { fill: none; stroke: var(--accent); stroke-width: 2; vector-effect: non-scaling-stroke; }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
@media (max-width: 600px) { main { padding: .5rem; gap: .5rem; } th, td { padding: .25rem .3rem; font-size: 14px; } }
`

export const CONSOLE_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>raftlite console</title>
<link rel="icon" href="data:,">
<style>${STYLE}</style>
</head>
<body>
<header>
  <h1>raftlite console</h1>
  <p id="whoami" aria-live="polite">connecting…</p>
</header>
<main>
  <section class="wide" aria-labelledby="cluster-h">
    <h2 id="cluster-h">Cluster</h2>
    <p id="cluster-summary" aria-live="polite" class="muted">loading…</p>
    <div class="scroll">
      <table id="cluster-table">
        <caption class="sr-only">Members of the cluster</caption>
        <thead><tr><th scope="col">Node</th><th scope="col">Role</th><th scope="col">Replicated index</th><th scope="col">Lag (entries)</th><th scope="col">API</th></tr></thead>
        <tbody></tbody>
      </table>
    </div>
    <div class="row">
      <button type="button" id="stepdown" class="secondary">Step down the leader</button>
      <span id="stepdown-result" role="status"></span>
    </div>
  </section>
  <section class="wide" aria-labelledby="sql-h">
    <h2 id="sql-h">SQL</h2>
    <form id="sql-form">
      <label for="sql">Statements (run through <code>/db/request</code>; Ctrl+Enter runs)</label>
      <textarea id="sql" name="sql" spellcheck="false" autocapitalize="off">SELECT name, type FROM sqlite_schema</textarea>
      <div class="row">
        <button type="submit" id="run">Run</button>
        <label><input type="checkbox" id="strong"> strong read</label>
        <span id="sql-time" class="muted" role="status"></span>
      </div>
    </form>
    <div id="sql-error" class="error" role="alert"></div>
    <div id="results" class="scroll" aria-live="polite"></div>
  </section>
  <section aria-labelledby="schema-h">
    <h2 id="schema-h">Schema</h2>
    <div class="row"><button type="button" id="schema-refresh" class="secondary">Refresh</button></div>
    <div id="schema"></div>
  </section>
  <section aria-labelledby="charts-h">
    <h2 id="charts-h">Throughput and latency <span class="muted">(this node, last 5 minutes)</span></h2>
    <figure>
      <figcaption>Requests per second: <strong id="rate-now">–</strong> <span id="rate-max" class="muted"></span></figcaption>
      <svg id="rate-chart" viewBox="0 0 300 100" preserveAspectRatio="none" role="img" aria-label="Requests per second over time"></svg>
    </figure>
    <figure>
      <figcaption>Mean latency (ms): <strong id="latency-now">–</strong> <span id="latency-max" class="muted"></span></figcaption>
      <svg id="latency-chart" viewBox="0 0 300 100" preserveAspectRatio="none" role="img" aria-label="Mean request latency over time"></svg>
    </figure>
  </section>
  <section class="wide" aria-labelledby="changes-h">
    <h2 id="changes-h">Recent changes <span class="muted">(newest first, from <code>/db/changes</code>)</span></h2>
    <p id="changes-status" role="status" class="muted">connecting…</p>
    <div class="scroll">
      <table id="changes-table">
        <caption class="sr-only">Row changes committed to the database, newest first</caption>
        <thead><tr><th scope="col">Time</th><th scope="col">Index</th><th scope="col">Op</th><th scope="col">Table</th><th scope="col">Row id</th></tr></thead>
        <tbody></tbody>
      </table>
    </div>
  </section>
</main>
<script>${CONSOLE_SCRIPT}</script>
</body>
</html>
`
