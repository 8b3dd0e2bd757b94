// The clonefarm dashboard: plain browser JavaScript, no build step.
// The token comes from the URL fragment (#token=...), never sent to the server in a URL a proxy
// could log, else from this tab's session storage, else from a prompt. REST calls send it as
// "Authorization: Bearer"; EventSource cannot set headers, so the SSE stream passes ?access_token=.
(function () {
  'use strict';
  const STATES = ['PLANNED', 'COPYING', 'COPIED', 'STARTING', 'FINALIZING', 'REBOOTING', 'READY', 'FAILED', 'CANCELLED'];
  const LOG_LIMIT = 300;
  const GANTT_ROWS = 60; // clones drawn in "each clone's steps"; the table covers them all
  const TIMELINE_INTERVAL = 1000; // the timeline is read at most once a second, however fast facts come
  const state = { token: null, batch: null, clones: new Map(), cells: new Map(), source: null, detail: null };
  const $ = (id) => document.getElementById(id);

  function readToken() {
    const hash = new URLSearchParams(location.hash.replace(/^#/, ''));
    let token = hash.get('token');
    if (token) {
      sessionStorage.setItem('clonefarm-token', token);
      history.replaceState(null, '', location.pathname + location.search); // keep it off screen
    } else {
      token = sessionStorage.getItem('clonefarm-token');
    }
    if (!token) {
      token = window.prompt('clonefarm API token (file api-token in the data directory):') || '';
      sessionStorage.setItem('clonefarm-token', token);
    }
    return token;
  }

  async function api(path) {
    const response = await fetch(path, { headers: { Authorization: 'Bearer ' + state.token } });
    if (response.status === 401) {
      sessionStorage.removeItem('clonefarm-token');
      setConnection(false, 'wrong token: reload');
      throw new Error('unauthorized');
    }
    if (!response.ok) {
      throw new Error(path + ': HTTP ' + response.status);
    }
    return response.json();
  }

  function bytes(n) {
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return (i === 0 ? n : n.toFixed(1)) + ' ' + units[i];
  }

  function duration(seconds) {
    if (seconds === null || seconds === undefined) return '-';
    const h = Math.floor(seconds / 3600), m = Math.floor(seconds % 3600 / 60), s = seconds % 60;
    return (h ? h + 'h ' : '') + (h || m ? m + 'm ' : '') + s + 's';
  }

  // seconds as a person reads them: 0.4 s, 12 s, 3m 20s
  function secs(s) {
    if (s === null || s === undefined) return '-';
    if (s < 10) return s.toFixed(1) + ' s';
    if (s < 60) return Math.round(s) + ' s';
    return duration(Math.round(s));
  }

  function esc(text) {
    return String(text).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
  }

  function setConnection(up, text) {
    const el = $('connection');
    el.textContent = text;
    el.className = 'conn ' + (up ? 'conn-up' : 'conn-down');
  }

  async function loadBatches() {
    const { batches } = await api('/api/batches');
    const select = $('batch-select');
    const wanted = new URLSearchParams(location.search).get('batch');
    const known = Array.from(select.options).map((o) => o.value).join('\n');
    if (known !== batches.map((b) => b.batchId).join('\n')) {
      select.innerHTML = '';
      for (const b of batches) {
        const option = document.createElement('option');
        option.value = option.textContent = b.batchId;
        select.appendChild(option);
      }
    }
    if (!state.batch && batches.length) {
      state.batch = batches.some((b) => b.batchId === wanted) ? wanted : batches[batches.length - 1].batchId;
      await loadBatch();
    }
    select.value = state.batch || '';
    const current = batches.find((b) => b.batchId === state.batch);
    if (current) renderOverview(current);
  }

  async function loadBatch() {
    const batch = await api('/api/batches/' + encodeURIComponent(state.batch));
    state.clones.clear();
    state.cells.clear();
    $('grid').innerHTML = '';
    for (const clone of batch.cloneStatuses) updateClone(clone);
    renderOverview(batch);
    timelineSoon(0);
  }

  // The timeline (throughput, time per step) is computed by the coordinator from the events; the page
  // asks for it again when facts of its batch arrive, at most once a second and one request at a time.
  const timeline = { timer: null, busy: false, dirty: false };
  function timelineSoon(delay) {
    timeline.dirty = true;
    if (timeline.timer !== null || timeline.busy) return;
    timeline.timer = setTimeout(loadTimeline, delay === undefined ? TIMELINE_INTERVAL : delay);
  }

  async function loadTimeline() {
    timeline.timer = null;
    if (!state.batch) return;
    timeline.dirty = false;
    timeline.busy = true;
    const batch = state.batch;
    try {
      const data = await api('/api/batches/' + encodeURIComponent(batch) + '/timeline?clones=' + GANTT_ROWS);
      if (batch === state.batch) renderTimeline(data);
    } catch (error) {
      // no fact of the batch folded yet, or the coordinator is away: the next fact or tick asks again
    } finally {
      timeline.busy = false;
      if (timeline.dirty) timelineSoon();
    }
  }

  function renderTimeline(t) {
    renderThroughput(t);
    renderSteps(t);
    renderCloneSteps(t);
  }

  // Charts are drawn in the pixels they are shown in, so their text keeps its size whatever the window.
  function chartWidth(svg) {
    return Math.max(320, Math.round(svg.getBoundingClientRect().width) || 600);
  }

  // Bytes per second over the batch's life, one step of the line per bucket of the coordinator's series.
  function renderThroughput(t) {
    const svg = $('throughput-chart');
    const W = chartWidth(svg), H = 170, left = 70, right = 8, top = 10, bottom = 20;
    const tp = t.throughput, points = tp.points, width = tp.bucketSeconds;
    const span = Math.max(points.length * width, 1);
    const peak = Math.max(tp.peakBytesPerSecond, 1);
    const x = (sec) => (left + sec / span * (W - left - right)).toFixed(1);
    const y = (rate) => (H - bottom - rate / peak * (H - top - bottom)).toFixed(1);
    let line = '';
    for (const p of points) line += `${line ? 'L' : 'M'}${x(p.t)},${y(p.bytesPerSecond)}L${x(p.t + width)},${y(p.bytesPerSecond)}`;
    const area = points.length ? `M${x(0)},${y(0)}` + line.replace(/^M/, 'L') + `L${x(span)},${y(0)}Z` : '';
    svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
    svg.dataset.points = points.length;
    svg.dataset.bytes = tp.bytes;
    svg.innerHTML =
      `<line class="axis" x1="${left}" y1="${H - bottom}" x2="${W - right}" y2="${H - bottom}"/>` +
      `<line class="axis" x1="${left}" y1="${top}" x2="${left}" y2="${H - bottom}"/>` +
      `<text class="tick" x="${left - 4}" y="${top + 4}" text-anchor="end">${esc(bytes(tp.peakBytesPerSecond))}/s</text>` +
      `<text class="tick" x="${left - 4}" y="${H - bottom}" text-anchor="end">0</text>` +
      `<text class="tick" x="${left}" y="${H - 6}">0 s</text>` +
      `<text class="tick" x="${W - right}" y="${H - 6}" text-anchor="end">${esc(secs(span))}</text>` +
      `<path class="area" d="${area}"/><path class="line" d="${line}"><title>bytes copied per second, ${width} s buckets</title></path>`;
    const mean = t.durationSeconds > 0 ? tp.bytes / t.durationSeconds : 0;
    $('throughput-text').textContent = tp.bytes ? `${bytes(tp.bytes)} copied in ${secs(t.durationSeconds)}: ` +
      `peak ${bytes(tp.peakBytesPerSecond)}/s, mean ${bytes(mean)}/s (${width} s buckets)` : 'no bytes copied yet';
  }

  // The distribution of each step's duration over the clones that finished it.
  function renderSteps(t) {
    const rows = t.steps.map((s) => Object.assign({ id: s.step }, s))
      .concat([Object.assign({ id: 'total', label: 'planned → READY' }, t.plannedToReady)]);
    const longest = Math.max(1e-9, ...rows.map((r) => r.maxSeconds));
    const body = $('step-table').tBodies[0];
    body.innerHTML = '';
    for (const r of rows) {
      const tr = document.createElement('tr');
      tr.dataset.step = r.id;
      tr.dataset.clones = r.clones;
      if (r.id === 'total') tr.className = 'total';
      const none = r.clones === 0;
      tr.innerHTML = `<td><span class="swatch step-${r.id}"></span>${esc(r.label)}</td><td>${r.clones}</td>` +
        `<td class="median">${none ? '-' : secs(r.medianSeconds)}</td><td>${none ? '-' : secs(r.p90Seconds)}</td>` +
        `<td>${none ? '-' : secs(r.maxSeconds)}</td><td><div class="dist">` +
        (none ? '' : `<span class="max step-${r.id}" style="width:${(100 * r.maxSeconds / longest).toFixed(1)}%"></span>` +
          `<span class="step-${r.id}" style="width:${(100 * r.medianSeconds / longest).toFixed(1)}%"></span>`) +
        '</div></td>';
      body.appendChild(tr);
    }
  }

  // One row per clone: its steps as coloured bars on the batch's time axis (a lighter bar: still in it, or failed in it).
  function renderCloneSteps(t) {
    const svg = $('clone-steps');
    const W = chartWidth(svg), left = 70, right = 8, rowH = 12, top = 4, axis = 16;
    const clones = t.clones.slice(0, GANTT_ROWS);
    const span = Math.max(t.durationSeconds, ...clones.flatMap((c) => c.spans.map((s) => s.to)), 0.001);
    const H = top + clones.length * rowH + axis;
    const x = (sec) => left + sec / span * (W - left - right);
    let rows = '';
    clones.forEach((c, i) => {
      const y = top + i * rowH;
      let bars = '';
      for (const s of c.spans) {
        bars += `<rect class="step-${s.step}${s.open ? ' open' : ''}" x="${x(s.from).toFixed(1)}" y="${y}" ` +
          `width="${Math.max(0.8, x(s.to) - x(s.from)).toFixed(1)}" height="${rowH - 2}">` +
          `<title>${esc(c.userid)} ${esc(s.step)} ${secs(s.seconds)}${s.open ? ' (not ended)' : ''}</title></rect>`;
      }
      rows += `<g class="clone-row" data-userid="${esc(c.userid)}" data-state="${esc(c.state)}">` +
        `<text class="uid" x="${left - 4}" y="${y + rowH - 3}" text-anchor="end">${esc(c.userid)}</text>${bars}</g>`;
    });
    svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
    svg.innerHTML = rows +
      `<line class="axis" x1="${left}" y1="${H - axis + 2}" x2="${W - right}" y2="${H - axis + 2}"/>` +
      `<text class="tick" x="${left}" y="${H - 3}">0 s</text>` +
      `<text class="tick" x="${W - right}" y="${H - 3}" text-anchor="end">${esc(secs(span))}</text>`;
    $('clone-steps-text').textContent = t.cloneCount > clones.length
      ? `the first ${clones.length} of ${t.cloneCount} clones; the table above covers all of them` : '';
  }

  function renderOverview(b) {
    const pct = b.bytesTotal ? Math.floor(100 * b.bytesDone / b.bytesTotal) : (b.allFinished ? 100 : 0);
    $('overall-bar').style.width = pct + '%';
    $('overall-bar').className = 'progress-inner' + (b.allFinished ? ' done' : '');
    $('overall-text').textContent = `${b.batchId}: ${b.finished}/${b.clones} clones finished, ` +
      `${bytes(b.bytesDone)} of ${bytes(b.bytesTotal)} copied (${pct}%), ` +
      `${bytes(b.rateBytesPerSecond)}/s, ETA ${duration(b.etaSeconds)}` + (b.completed ? ', completed' : '');
    const counts = $('counts');
    counts.innerHTML = '';
    for (const s of STATES) {
      if (!b.counts[s]) continue;
      const li = document.createElement('li');
      li.className = 'state-' + s;
      li.textContent = `${s} ${b.counts[s]}`;
      counts.appendChild(li);
    }
  }

  function updateClone(clone) {
    state.clones.set(clone.userid, clone);
    let cell = state.cells.get(clone.userid);
    if (!cell) {
      cell = document.createElement('div');
      cell.innerHTML = '<div class="uid"></div><div class="step"></div><div class="bar"><div></div></div>';
      cell.querySelector('.uid').textContent = clone.userid;
      cell.addEventListener('click', () => showDetail(clone.userid));
      state.cells.set(clone.userid, cell);
      // keep the grid in userid order whatever order the facts arrive in
      const after = Array.from($('grid').children).find((other) => other.dataset.userid > clone.userid);
      cell.dataset.userid = clone.userid;
      $('grid').insertBefore(cell, after || null);
    }
    cell.className = 'cell state-' + clone.state;
    cell.dataset.userid = clone.userid;
    cell.dataset.state = clone.state;
    cell.title = `${clone.userid} ${clone.hostname || ''} ${clone.state} (${clone.step})`;
    cell.querySelector('.step').textContent = clone.state.toLowerCase() + ' · ' + clone.step;
    cell.querySelector('.bar div').style.width = Math.floor(100 * clone.progress) + '%';
    if (state.detail === clone.userid) showDetail(clone.userid);
  }

  async function showDetail(userid) {
    state.detail = userid;
    const clone = await api('/api/clones/' + encodeURIComponent(userid));
    $('detail').hidden = false;
    $('detail-title').textContent = clone.userid;
    const fields = $('detail-fields');
    fields.innerHTML = '';
    const rows = [['state', clone.state], ['step', clone.step], ['attempt', clone.attempt], ['refreshes', clone.refreshes || 0],
      ['hostname', clone.hostname], ['ip', clone.ipaddr],
      ['copied', `${bytes(clone.bytesDone)} of ${bytes(clone.bytesTotal)}`],
      ['planned', clone.plannedAt], ['ready', clone.readyAt || '-'],
      ['last error', clone.lastError ? `${clone.lastError.step}: ${clone.lastError.reason}` : '-']];
    for (const [name, value] of rows) {
      const dt = document.createElement('dt'); dt.textContent = name;
      const dd = document.createElement('dd'); dd.textContent = value === undefined || value === '' ? '-' : value;
      fields.append(dt, dd);
    }
    const list = $('detail-history');
    list.innerHTML = '';
    for (const event of clone.history) {
      const li = document.createElement('li');
      li.textContent = `${event.time} ${event.fact} (${event.producerId})`;
      list.appendChild(li);
    }
  }

  function log(message) {
    const li = document.createElement('li');
    const time = message.time ? message.time.substring(11, 23) : '';
    const clone = message.status ? ` ${message.status.state}` : '';
    li.textContent = `${time} ${message.userid || message.batchId} ${message.fact}${clone}`;
    const list = $('log');
    list.insertBefore(li, list.firstChild);
    while (list.childElementCount > LOG_LIMIT) list.removeChild(list.lastChild);
  }

  let refreshPending = false;
  function refreshSoon() {
    if (refreshPending) return;
    refreshPending = true;
    setTimeout(() => { refreshPending = false; loadBatches().catch(() => {}); }, 500);
  }

  function connect() {
    // EventSource reconnects by itself and sends Last-Event-ID, so the stream resumes where it stopped
    const source = new EventSource('/api/events?access_token=' + encodeURIComponent(state.token));
    state.source = source;
    source.onopen = () => setConnection(true, 'live');
    source.onerror = () => setConnection(false, 'reconnecting');
    source.addEventListener('clone', (e) => {
      const message = JSON.parse(e.data);
      if (message.fact !== 'copy_progress') log(message);
      if (!state.batch) { refreshSoon(); return; }
      if (message.batchId === state.batch && message.status) {
        updateClone(message.status);
        refreshSoon(); // counts and bytes of the overview follow the grid within half a second
        timelineSoon();
      }
    });
    source.addEventListener('batch', (e) => { log(JSON.parse(e.data)); loadBatches(); timelineSoon(); });
    source.addEventListener('gap', (e) => { log({ fact: 'gap: ' + JSON.parse(e.data).missed + ' events missed' }); loadBatch(); });
  }

  async function main() {
    state.token = readToken();
    $('batch-select').addEventListener('change', (e) => { state.batch = e.target.value; loadBatch(); });
    $('detail-close').addEventListener('click', () => { state.detail = null; $('detail').hidden = true; });
    connect(); // subscribe first, then take the snapshot: no event falls between the two
    try {
      await loadBatches();
    } catch (error) {
      setConnection(false, String(error.message));
      return;
    }
    let tick = 0;
    setInterval(() => {
      // rate and ETA move even without events; the grid is re-read now and then as a safety net
      loadBatches().then(() => (++tick % 5 === 0 && state.batch ? loadBatch() : null)).catch(() => {});
    }, 2000);
  }

  main();
})();
