// The clonefarm dashboard: plain browser JavaScript, no build step.
// The token comes from the URL fragment (#token=...), never sent to the server in a URL a proxy
// could log, else from this tab's session storage, else from a prompt. REST calls send it as
// "Authorization: Bearer"; EventSource cannot set headers, so the SSE stream passes ?access_token=.
(function () {
  'use strict';
  const STATES = ['PLANNED', 'COPYING', 'COPIED', 'STARTING', 'FINALIZING', 'REBOOTING', 'READY', 'FAILED', 'CANCELLED'];
  const LOG_LIMIT = 300;
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
    const rows = [['state', clone.state], ['step', clone.step], ['attempt', clone.attempt],
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
      }
    });
    source.addEventListener('batch', (e) => { log(JSON.parse(e.data)); loadBatches(); });
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
