/**
 * The console's script, as text inlined into the page (console-page.ts). Plain ES2020 for any
 * current browser; it writes to the page with textContent only, so nothing a node or a query
 * returns is ever interpreted as HTML. Kept free of template literals: it lives inside one.
 */
export const CONSOLE_SCRIPT = String.raw`
(function () {
  'use strict';
  var base = location.pathname.replace(/\/console\/?$/, '');
  var $ = function (id) { return document.getElementById(id); };
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }
  function api(path, init) {
    return fetch(base + path, init).then(function (res) {
      return res.text().then(function (body) {
        if (!res.ok) throw new Error('HTTP ' + res.status + (body.trim() ? ': ' + body.trim() : ''));
        return body;
      });
    });
  }

  // ---------------------------------------------------------------- cluster
  var shownLeader = null;
  function renderCluster(view) {
    var tbody = $('cluster-table').tBodies[0];
    clear(tbody);
    view.members.forEach(function (m) {
      var tr = el('tr');
      tr.dataset.node = m.id;
      var id = el('th', m.id);
      id.scope = 'row';
      tr.appendChild(id);
      var role = el('td');
      var badge = el('span', m.leader ? 'Leader' : m.voter ? 'Follower' : 'Read replica', 'badge' + (m.leader ? ' leader' : ''));
      role.appendChild(badge);
      tr.appendChild(role);
      tr.appendChild(el('td', m.index === null ? '–' : m.index));
      tr.appendChild(el('td', m.lag === null ? '–' : m.lag, m.lag > 100 ? 'down' : ''));
      tr.appendChild(el('td', m.apiAddr));
      tbody.appendChild(tr);
    });
    var summary = view.leader ? 'Leader: ' + view.leader : 'No leader';
    summary += ' · term ' + view.term + ' · commit index ' + view.commit + ' · ' + view.members.length + ' node(s) · as seen by ' + view.source;
    $('cluster-summary').textContent = summary;
    $('cluster-summary').className = view.leader ? '' : 'down';
    shownLeader = view.leader;
  }
  function refreshCluster() {
    return api('/console/cluster').then(function (body) { renderCluster(JSON.parse(body)); }, function (e) {
      $('cluster-summary').textContent = 'Cannot reach the node: ' + e.message;
      $('cluster-summary').className = 'down';
    });
  }
  function refreshWhoami() {
    return api('/status?key=store').then(function (body) {
      var s = JSON.parse(body);
      $('whoami').textContent = 'Node ' + s.node_id + ' · ' + s.raft.state + ' · applied index ' + s.raft.applied_index + ' · term ' + s.raft.term;
    }, function () { $('whoami').textContent = 'node unreachable'; });
  }
  $('stepdown').addEventListener('click', function () {
    var out = $('stepdown-result');
    var before = shownLeader;
    out.textContent = 'asking ' + (before || 'the leader') + ' to step down…';
    api('/leader', { method: 'POST' }).then(function () {
      out.textContent = 'leadership transfer started';
      return refreshCluster();
    }, function (e) { out.textContent = 'step down failed: ' + e.message; });
  });

  // ---------------------------------------------------------------- SQL
  function splitStatements(text) {
    return text.split(/;\s*(?:\n|$)/).map(function (s) { return s.trim(); }).filter(function (s) { return s !== ''; });
  }
  function resultTable(result, n) {
    var wrap = el('div');
    if (result.error) { wrap.appendChild(el('p', 'Statement ' + n + ': ' + result.error, 'error')); return wrap; }
    if (!result.columns) {
      var parts = [];
      if (result.rows_affected !== undefined) parts.push(result.rows_affected + ' row(s) affected');
      if (result.last_insert_id !== undefined) parts.push('last insert id ' + result.last_insert_id);
      wrap.appendChild(el('p', 'Statement ' + n + ': ' + (parts.join(', ') || 'done'), 'muted'));
      return wrap;
    }
    var table = el('table');
    table.appendChild(el('caption', 'Statement ' + n + ': ' + (result.values ? result.values.length : 0) + ' row(s)', 'muted'));
    var head = el('tr');
    result.columns.forEach(function (c) { var th = el('th', c); th.scope = 'col'; head.appendChild(th); });
    table.appendChild(el('thead')).appendChild(head);
    var body = table.appendChild(el('tbody'));
    (result.values || []).forEach(function (row) {
      var tr = el('tr');
      row.forEach(function (v) { tr.appendChild(el('td', v === null ? 'NULL' : typeof v === 'object' ? JSON.stringify(v) : v, v === null ? 'muted' : '')); });
      body.appendChild(tr);
    });
    wrap.appendChild(table);
    return wrap;
  }
  function runSql(event) {
    if (event) event.preventDefault();
    var statements = splitStatements($('sql').value);
    var out = $('results');
    $('sql-error').textContent = '';
    if (statements.length === 0) { $('sql-error').textContent = 'Nothing to run.'; return; }
    $('run').disabled = true;
    $('sql-time').textContent = 'running…';
    var query = '/db/request?timings' + ($('strong').checked ? '&level=strong' : '');
    api(query, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(statements) }).then(function (body) {
      var doc = JSON.parse(body);
      clear(out);
      if (doc.error) $('sql-error').textContent = doc.error;
      (doc.results || []).forEach(function (r, i) { out.appendChild(resultTable(r, i + 1)); });
      $('sql-time').textContent = doc.time !== undefined ? 'took ' + (doc.time * 1000).toFixed(1) + ' ms' : '';
      refreshSchema();
    }, function (e) { $('sql-error').textContent = e.message; $('sql-time').textContent = ''; })
      .then(function () { $('run').disabled = false; });
  }
  $('sql-form').addEventListener('submit', runSql);
  $('sql').addEventListener('keydown', function (e) { if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) runSql(e); });

  // ---------------------------------------------------------------- schema
  function refreshSchema() {
    var sql = ["SELECT name, type, sql FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' AND name NOT LIKE '_raftlite%' ORDER BY type, name"];
    return api('/db/query', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(sql) }).then(function (body) {
      var rows = JSON.parse(body).results[0].values || [];
      var tables = rows.filter(function (r) { return r[1] === 'table'; });
      var columnsSql = tables.map(function (r) { return ['SELECT name, type, pk, "notnull" FROM pragma_table_info(?)', r[0]]; });
      var columns = columnsSql.length === 0 ? Promise.resolve([]) : api('/db/query', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(columnsSql) })
        .then(function (b) { return JSON.parse(b).results; });
      return columns.then(function (perTable) {
        var box = $('schema');
        clear(box);
        if (rows.length === 0) { box.appendChild(el('p', 'No tables yet.', 'muted')); return; }
        rows.forEach(function (r) {
          var d = el('details');
          d.dataset.name = r[0];
          d.appendChild(el('summary', r[0] + ' (' + r[1] + ')'));
          var t = tables.indexOf(r);
          if (t >= 0 && perTable[t] && perTable[t].values) {
            var ul = el('ul');
            perTable[t].values.forEach(function (c) { ul.appendChild(el('li', c[0] + ' ' + (c[1] || 'ANY') + (c[2] ? ' PRIMARY KEY' : '') + (c[3] ? ' NOT NULL' : ''))); });
            d.appendChild(ul);
          }
          if (r[2]) d.appendChild(el('pre', r[2]));
          box.appendChild(d);
        });
      });
    }, function (e) { clear($('schema')); $('schema').appendChild(el('p', e.message, 'error')); });
  }
  $('schema-refresh').addEventListener('click', refreshSchema);

  // ---------------------------------------------------------------- charts
  var samples = [];
  var KEEP = 150;
  var OWN = /route="(metrics|console|status)"/;
  function totals(text) {
    var t = { requests: 0, sum: 0, count: 0 };
    text.split('\n').forEach(function (line) {
      if (line.charAt(0) === '#' || OWN.test(line)) return;
      var m = /^(raftlite_http_requests_total|raftlite_http_request_duration_seconds_sum|raftlite_http_request_duration_seconds_count)\{[^}]*\} (\S+)$/.exec(line);
      if (!m) return;
      var v = Number(m[2]);
      if (m[1] === 'raftlite_http_requests_total') t.requests += v;
      else if (m[1].slice(-4) === '_sum') t.sum += v;
      else t.count += v;
    });
    return t;
  }
  // Newest point at the right edge; the scale is the window's maximum (shown beside the title:
  // text inside a stretched SVG would be distorted).
  function draw(svg, points, maxLabel, unit) {
    clear(svg);
    var ns = 'http://www.w3.org/2000/svg';
    var max = Math.max.apply(null, points.concat([1e-9]));
    [25, 50, 75].forEach(function (y) {
      var l = document.createElementNS(ns, 'line');
      l.setAttribute('class', 'grid'); l.setAttribute('x1', '0'); l.setAttribute('x2', '300'); l.setAttribute('y1', String(y)); l.setAttribute('y2', String(y));
      svg.appendChild(l);
    });
    if (points.length > 1) {
      var step = 300 / (KEEP - 1);
      var line = document.createElementNS(ns, 'polyline');
      line.setAttribute('class', 'series');
      line.setAttribute('points', points.map(function (p, i) {
        return (300 - (points.length - 1 - i) * step).toFixed(1) + ',' + (98 - p / max * 90).toFixed(1);
      }).join(' '));
      svg.appendChild(line);
    }
    maxLabel.textContent = points.length ? '(max ' + (max < 10 ? max.toFixed(2) : Math.round(max)) + ' ' + unit + ')' : '';
  }
  function refreshCharts() {
    return api('/metrics').then(function (text) {
      samples.push({ at: Date.now(), t: totals(text) });
      if (samples.length > KEEP + 1) samples.shift();
      var rates = [], latencies = [];
      for (var i = 1; i < samples.length; i++) {
        var a = samples[i - 1], b = samples[i];
        var secs = Math.max(0.001, (b.at - a.at) / 1000);
        rates.push(Math.max(0, b.t.requests - a.t.requests) / secs);
        var n = b.t.count - a.t.count;
        latencies.push(n > 0 ? (b.t.sum - a.t.sum) / n * 1000 : 0);
      }
      draw($('rate-chart'), rates, $('rate-max'), 'req/s');
      draw($('latency-chart'), latencies, $('latency-max'), 'ms');
      if (rates.length) {
        $('rate-now').textContent = rates[rates.length - 1].toFixed(1);
        $('latency-now').textContent = latencies[latencies.length - 1].toFixed(2);
      }
    }, function () { $('rate-now').textContent = 'metrics unavailable'; });
  }

  // ---------------------------------------------------------------- recent changes
  // Follows the change stream. EventSource resumes by itself (Last-Event-ID) after a dropped
  // connection; a refused one (any status but 200) closes it for good, and it cannot see the
  // status, so a plain fetch asks why: 503 with CDC off is said once and not retried.
  var CHANGES_KEEP = 50;
  var lastChange = null;
  function changesStatus(text, cls) { $('changes-status').textContent = text; $('changes-status').className = cls || 'muted'; }
  function rowIdOf(ev) {
    if (ev.op === 'UPDATE' && ev.old_row_id !== undefined && ev.old_row_id !== ev.new_row_id) return ev.old_row_id + ' → ' + ev.new_row_id;
    var id = ev.op === 'DELETE' ? ev.old_row_id : ev.new_row_id;
    return id === undefined ? '–' : id;
  }
  function showChange(group) {
    var tbody = $('changes-table').tBodies[0];
    var time = typeof group.commit_timestamp === 'number' ? new Date(group.commit_timestamp).toLocaleTimeString() : '–';
    (Array.isArray(group.events) ? group.events : []).forEach(function (ev) {
      var tr = el('tr');
      tr.dataset.index = String(group.index);
      tr.appendChild(el('td', time));
      tr.appendChild(el('td', group.index));
      tr.appendChild(el('td', ev.op));
      tr.appendChild(el('td', ev.table === undefined ? '–' : ev.table));
      tr.appendChild(el('td', rowIdOf(ev)));
      tbody.insertBefore(tr, tbody.firstChild);
    });
    while (tbody.rows.length > CHANGES_KEEP) tbody.deleteRow(-1);
  }
  function followChanges() {
    var path = '/db/changes' + (lastChange !== null ? '?since=' + lastChange : '');
    var source = new EventSource(base + path);
    source.onopen = function () { changesStatus('Following live changes' + (lastChange !== null ? ' (resumed after index ' + lastChange + ')' : '') + '.'); };
    source.onmessage = function (e) {
      var group;
      try { group = JSON.parse(e.data); } catch (x) { return; }
      if (!group || typeof group.index !== 'number') return;
      lastChange = group.index;
      showChange(group);
      changesStatus('Following live changes · last index ' + group.index + '.');
    };
    source.addEventListener('error', function (e) {
      if (e.data) {
        // The server's own error event: this reader fell behind pruning; start again from what is kept.
        source.close();
        lastChange = null;
        changesStatus('Fell behind the change stream (' + e.data + '); starting again from the oldest kept change.', 'error');
        setTimeout(followChanges, 1000);
        return;
      }
      if (source.readyState !== EventSource.CLOSED) { changesStatus('Connection lost; reconnecting…', 'down'); return; }
      whyRefused(path);
    });
  }
  function whyRefused(path) {
    var abort = new AbortController();
    fetch(base + path, { signal: abort.signal }).then(function (res) {
      var status = res.status;
      return (status === 200 ? Promise.resolve('') : res.text()).then(function (text) {
        abort.abort();
        if (status === 503 && /not enabled/.test(text)) {
          changesStatus('Change data capture is off on this node, so there are no changes to show. Start the node with ', 'down');
          $('changes-status').appendChild(el('code', '-cdc-config stream', 'nowrap'));
          $('changes-status').appendChild(document.createTextNode(' (or a webhook config) to see them here.'));
          $('changes-table').hidden = true;
          return;
        }
        if (status === 410) { lastChange = null; changesStatus('Changes since the last one shown are no longer kept; starting again from the oldest kept.', 'down'); }
        else if (status !== 200) changesStatus('Change stream refused (HTTP ' + status + (text.trim() ? ': ' + text.trim() : '') + '); retrying…', 'down');
        setTimeout(followChanges, 5000);
      });
    }).catch(function () {
      abort.abort();
      changesStatus('Cannot reach the node for changes; retrying…', 'down');
      setTimeout(followChanges, 5000);
    });
  }

  function every(ms, fn) { fn(); setInterval(fn, ms); }
  every(1000, refreshCluster);
  every(2000, refreshWhoami);
  every(2000, refreshCharts);
  refreshSchema();
  followChanges();
})();
`
