import { subscribe, publish } from '/hark.js';
import { $, param } from '/flow.js';

const channel = `compare.${Math.random().toString(36).slice(2, 10)}`;
const interval = Number(param('interval', '2'));
const ways = [
  { name: 'poll', label: 'Polling', options: { transport: 'poll', interval: interval * 1000 } },
  { name: 'longpoll', label: 'Long-polling', options: { transport: 'longpoll' } },
  { name: 'sse', label: 'Server-Sent Events', options: { transport: 'sse' } },
  { name: 'iframe', label: 'Forever-iframe', options: { transport: 'iframe' } },
  { name: 'websocket', label: 'WebSocket', options: { transport: 'websocket' } },
];
let sent = 0;

const median = (values) => {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

/** A fetch that counts requests and the bytes of their answers. */
const counting = (way) => async (url, init) => {
  way.requests += 1;
  render();
  const response = await fetch(url, init);
  const body = await response.clone().arrayBuffer();
  way.bytes += body.byteLength;
  render();
  return response;
};

for (const way of ways) {
  Object.assign(way, { requests: 0, bytes: 0, messages: 0, latencies: [], status: 'connecting' });
}
for (const way of ways) {
  // One long-lived connection each: its bytes are counted from the messages, its requests from going live.
  const streamed = way.name === 'sse' || way.name === 'iframe' || way.name === 'websocket';
  way.handle = subscribe(channel, {
    ...way.options,
    fetch: streamed ? undefined : counting(way),
    onMessage: (message) => {
      way.messages += 1;
      if (streamed) way.bytes += JSON.stringify(message).length;
      way.latencies.push(Math.max(0, Date.now() - message.data.sent));
      render();
    },
    onStatus: (status) => {
      if (streamed && status === 'live' && way.status !== 'live') way.requests += 1;
      way.status = status;
      render();
    },
  });
}

function render() {
  $('#rows').replaceChildren(...ways.map((way) => {
    const row = document.createElement('tr');
    row.dataset.transport = way.name;
    const cells = [way.label, way.status, way.requests, way.bytes, way.messages, median(way.latencies) ?? '–', way.latencies.at(-1) ?? '–'];
    cells.forEach((value, i) => {
      const cell = document.createElement(i === 0 ? 'th' : 'td');
      if (i === 0) cell.scope = 'row';
      cell.textContent = String(value);
      cell.dataset.field = ['transport', 'status', 'requests', 'bytes', 'messages', 'median', 'last'][i];
      row.append(cell);
    });
    return row;
  }));
  drawChart();
}

function drawChart() {
  const medians = ways.map((way) => median(way.latencies) ?? 0);
  const top = Math.max(100, ...medians);
  const svg = $('#chart');
  const parts = ways.map((way, i) => {
    const width = Math.round((medians[i] / top) * 260);
    const y = 10 + i * 34;
    return `<text x="0" y="${y + 16}" font-size="12">${way.label}</text>`
      + `<rect x="130" y="${y}" width="${Math.max(1, width)}" height="22" fill="#6366f1"></rect>`
      + `<text x="${136 + width}" y="${y + 16}" font-size="12">${medians[i]} ms</text>`;
  });
  svg.innerHTML = parts.join('');
}

async function publishOne() {
  sent += 1;
  await publish(channel, { n: sent, sent: Date.now() });
}

$('#channel').textContent = channel;
$('#interval').textContent = String(interval);
$('#one').addEventListener('click', publishOne);
$('#burst').addEventListener('click', () => {
  let left = 20;
  const timer = setInterval(() => {
    publishOne();
    left -= 1;
    if (left === 0) clearInterval(timer);
  }, 1000);
});
render();
