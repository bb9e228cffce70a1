// Hark's operator dashboard: one hark.js subscription (SSE) to the server's snapshot channel, drawn with uPlot, and
// the channel actions over the admin API. Every number comes from a snapshot; the page computes nothing but display.
import { subscribe } from '../hark.js';

const CHANNEL = '~admin.stats';
const KEEP = 300; // points per chart: five minutes at the default interval
const TRANSPORTS = ['longpoll', 'sse', 'ndjson', 'iframe', 'websocket'];
const base = location.origin + location.pathname.replace(/\/admin\/?$/, '');
const $ = (id) => document.getElementById(id);

let key = sessionStorage.getItem('hark:admin-key') || '';
let subscription = null;
let chartNode = null;
const nodes = new Map(); // node -> time of its newest snapshot (ms)

const charts = {
  rates: chart('chart-rates', [['published', '#2456c7'], ['delivered', '#1a7f37']]),
  held: chart('chart-held', TRANSPORTS.map((t, i) => [t, ['#2456c7', '#8250df', '#bf8700', '#57606a', '#1a7f37'][i]])),
  latency: chart('chart-latency', [['p50', '#1a7f37'], ['p90', '#bf8700'], ['p99', '#cf222e']]),
  hold: chart('chart-hold', [['p50', '#1a7f37'], ['p90', '#bf8700'], ['p99', '#cf222e']]),
  gaps: chart('chart-gaps', [['evicted', '#bf8700'], ['reset', '#cf222e']]),
  channels: chart('chart-channels', [['channels', '#2456c7']]),
};

function chart(id, series) {
  const el = $(id);
  const data = [[], ...series.map(() => [])];
  const plot = new uPlot({
    width: Math.max(300, el.clientWidth || 400),
    height: 200,
    series: [{}, ...series.map(([label, stroke]) => ({ label, stroke, width: 2, spanGaps: false }))],
    axes: [{}, { size: 56 }],
    scales: { x: { time: true } },
    legend: { live: false },
  }, data, el);
  new ResizeObserver(() => plot.setSize({ width: Math.max(300, el.clientWidth), height: 200 })).observe(el);
  return { plot, data, points: 0 };
}

function push(c, time, values) {
  c.data[0].push(time);
  values.forEach((v, i) => c.data[i + 1].push(v ?? null));
  if (c.data[0].length > KEEP) {
    c.data.forEach((column) => column.shift());
  }
  c.points++;
  c.plot.setData(c.data);
  c.plot.root.dataset.points = String(c.points);
}

const number = (v) => (v == null ? '–' : v >= 100 ? Math.round(v).toLocaleString('en') : (Math.round(v * 100) / 100).toLocaleString('en'));
const ms = (s) => (s == null ? '–' : s < 1 ? `${number(s * 1000)} ms` : `${number(s)} s`);
const bytes = (b) => (b < 1024 ? `${b} B` : b < 1048576 ? `${(b / 1024).toFixed(1)} KiB` : `${(b / 1048576).toFixed(1)} MiB`);

function show(s) {
  const time = Date.parse(s.time) / 1000;
  nodes.set(s.node, Date.now());
  for (const [node, seen] of nodes) {
    if (Date.now() - seen > 10_000) nodes.delete(node);
  }
  // Behind a load balancer every node that serves a dashboard publishes its own snapshots: chart one node's.
  if (chartNode !== null && chartNode !== s.node && nodes.has(chartNode)) {
    $('nodes').textContent = String(nodes.size);
    return;
  }
  chartNode = s.node;
  $('node').textContent = s.node;
  $('nodes').textContent = String(nodes.size);
  $('updated').textContent = new Date(s.time).toLocaleTimeString();
  const engine = $('engine');
  engine.textContent = `${s.engine.name} · ${s.engine.status}`;
  engine.className = s.engine.status;
  $('checks').replaceChildren(...s.engine.checks.map((c) => {
    const li = document.createElement('li');
    li.className = c.status;
    li.textContent = `${c.name}: ${c.status}${c.description ? ` (${c.description})` : ''}`;
    return li;
  }));

  const held = TRANSPORTS.map((t) => s.held[t] ?? 0);
  $('channels').textContent = number(s.channels);
  $('held').textContent = number(held.reduce((a, b) => a + b, 0));
  $('held-by').textContent = TRANSPORTS.filter((t) => s.held[t]).map((t) => `${t} ${s.held[t]}`).join(' · ') || `${s.connections} connections`;
  $('published').textContent = number(s.published);
  $('delivered').textContent = number(s.delivered);
  $('latency').textContent = ms(s.latency.p99);
  $('latency-more').textContent = s.latency.count ? `p50 ${ms(s.latency.p50)} · p90 ${ms(s.latency.p90)}` : 'no deliveries';
  $('hold').textContent = ms(s.hold.p50);
  $('hold-more').textContent = s.hold.count ? `p90 ${ms(s.hold.p90)} · p99 ${ms(s.hold.p99)}` : 'no held polls answered';
  const evicted = s.gaps.evicted ?? 0;
  const reset = s.gaps.reset ?? 0;
  $('gaps').textContent = number(evicted + reset);
  $('gaps-by').textContent = `evicted ${evicted} · reset ${reset}`;
  $('rejected').textContent = number(s.rejected);
  $('dropped').textContent = `dropped slow clients /s ${number(s.dropped)} · history ${bytes(s.historyBytes)}`;

  push(charts.rates, time, [s.published, s.delivered]);
  push(charts.held, time, held);
  const toMs = (v) => (v == null ? null : v * 1000);
  push(charts.latency, time, [toMs(s.latency.p50), toMs(s.latency.p90), toMs(s.latency.p99)]);
  push(charts.hold, time, [s.hold.p50, s.hold.p90, s.hold.p99]);
  push(charts.gaps, time, [evicted, reset]);
  push(charts.channels, time, [s.channels]);

  $('busiest').tBodies[0].replaceChildren(...s.busiest.map((b) => {
    const row = document.createElement('tr');
    const name = document.createElement('a');
    name.textContent = b.channel;
    name.addEventListener('click', () => { $('channel').value = b.channel; lookup(); });
    row.append(cell(name), cell(number(b.rate)), cell(String(b.subscribers)));
    return row;
  }));
}

function cell(content) {
  const td = document.createElement('td');
  td.append(content);
  return td;
}

function notice(text) {
  const el = $('notice');
  el.hidden = !text;
  el.textContent = text || '';
}

function connect() {
  subscription?.close();
  chartNode = null;
  subscription = subscribe(CHANNEL, {
    url: base,
    transport: 'sse',
    last: 120,
    token: key || undefined,
    onMessage: (m) => { if (m.event === 'stats') show(m.data); },
    onStatus: (status, info) => {
      $('status').textContent = status;
      if (status === 'live') notice('');
      else if (status === 'expired') notice(key ? 'The admin key was refused. Enter a valid key.' : 'This server needs an admin key. Enter it above.');
      else if (status === 'failed') notice(`The dashboard's stream failed: ${info?.error?.message ?? 'refused'}.`);
    },
  });
}

async function api(method, path) {
  const headers = key ? { Authorization: `Bearer ${key}` } : {};
  const response = await fetch(`${base}/admin/channels/${encodeURIComponent($('channel').value.trim())}${path}`, { method, headers });
  const body = response.status === 204 ? null : await response.json().catch(() => null);
  if (!response.ok) {
    const error = new Error(body?.detail ?? `HTTP ${response.status}`);
    error.status = response.status;
    error.title = body?.title;
    throw error;
  }
  return body;
}

function status(text, isError) {
  const el = $('action-status');
  el.textContent = text;
  el.className = isError ? 'error' : '';
}

async function run(action) {
  try {
    await action();
  } catch (e) {
    status(`${e.status ?? ''} ${e.title ?? ''}: ${e.message}`.trim(), true);
  }
}

const lookup = () => run(async () => {
  $('history-list').replaceChildren();
  const info = await api('GET', '');
  status(`Channel ${info.channel}`, false);
  $('info').replaceChildren(...Object.entries(info).flatMap(([k, v]) => {
    const dt = document.createElement('dt');
    dt.textContent = k;
    const dd = document.createElement('dd');
    dd.dataset.field = k;
    dd.textContent = String(v);
    return [dt, dd];
  }));
});

$('channel-form').addEventListener('submit', (e) => { e.preventDefault(); lookup(); });
$('history').addEventListener('click', () => run(async () => {
  const answer = await api('GET', '/history?last=20');
  status(`${answer.messages.length} newest message(s)${answer.gap ? ' (some were lost: gap)' : ''}`, false);
  $('history-list').replaceChildren(...answer.messages.map((m) => {
    const li = document.createElement('li');
    li.value = m.seq;
    li.textContent = `${m.time}${m.event ? ` [${m.event}]` : ''} ${JSON.stringify(m.data)}`;
    return li;
  }));
}));
$('delete').addEventListener('click', () => run(async () => {
  const channel = $('channel').value.trim();
  if (!channel || !confirm(`Delete channel '${channel}'? Its history is dropped and its waiting subscribers are told it closed.`)) return;
  await api('DELETE', '');
  $('info').replaceChildren();
  $('history-list').replaceChildren();
  status(`Deleted ${channel}`, false);
}));
$('key-form').addEventListener('submit', (e) => {
  e.preventDefault();
  key = $('key').value.trim();
  if (key) sessionStorage.setItem('hark:admin-key', key);
  else sessionStorage.removeItem('hark:admin-key');
  connect();
});

connect();
