// Shared constants and helpers of the demo page.
// Hark demo page: publish form, a long-poll panel and an SSE panel on the same channel.
// Message content is only ever put into the page with textContent / text nodes.

export const CHANNEL_NAME = /^[A-Za-z0-9._:@~-]{1,128}$/;
export const EVENT_NAME = /^[A-Za-z0-9._:/-]{1,64}$/;
export const MAX_ROWS = 200;
export const POLL_TIMEOUT = 25; // seconds the server holds a long-poll
export const JSON_SAMPLE = '{"text": "Hello from the demo page"}';
export const TEXT_SAMPLE = 'Hello from the demo page';

// ---------------------------------------------------------------- helpers

export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'class') node.className = value;
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children) {
    if (child !== null && child !== undefined) node.append(child); // strings become text nodes
  }
  return node;
}

export function pad(n, width = 2) {
  return String(n).padStart(width, '0');
}

export function clock(date = new Date()) {
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

export function formatTime(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso ?? '');
  return `${clock(date)}.${pad(date.getMilliseconds(), 3)}`;
}

export function formatData(data) {
  if (typeof data === 'string') return { text: data, kind: 'text' };
  const compact = JSON.stringify(data);
  if (compact === undefined) return { text: '(no data)', kind: 'text' };
  return { text: compact.length <= 72 ? compact : JSON.stringify(data, null, 2), kind: 'json' };
}

export function plural(n, word) {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function seconds(ms) {
  return `${(ms / 1000).toFixed(ms < 10000 ? 1 : 0)} s`;
}

/** Exponential backoff with jitter: about 1 s, 2 s, 4 s … up to 10 s. */
export function backoff(failures) {
  const base = Math.min(1000 * 2 ** Math.max(0, failures - 1), 10000);
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

/** Resolves after ms, or at once when the signal aborts. */
export function sleep(ms, signal) {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Reads a response body as text and, when it parses, as JSON. */
export async function readBody(response) {
  const text = await response.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  return { text, json };
}

export function isProblem(json) {
  return json !== null && typeof json === 'object' && typeof json.title === 'string' && 'status' in json;
}

export function problemType(json) {
  return isProblem(json) && typeof json.type === 'string' ? json.type.split(':').pop() : '';
}

export function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** A one-channel cursor is "<epoch>:<seq>"; anything else (a multi-channel token) gives null. */
export function parsePosition(cursor) {
  if (typeof cursor !== 'string') return null;
  const at = cursor.lastIndexOf(':');
  if (at <= 0) return null;
  const seq = Number(cursor.slice(at + 1));
  return Number.isSafeInteger(seq) ? { epoch: cursor.slice(0, at), seq } : null;
}

export function subUrl(channel, params) {
  const query = Object.entries(params)
    .filter(([, value]) => value !== null && value !== undefined && value !== '')
    .map(([key, value]) => `${key}=${encodeURIComponent(value)}`)
    .join('&');
  return `/sub/${encodeURIComponent(channel)}${query ? `?${query}` : ''}`;
}

export function describeGap(gap) {
  const where = gap.channel ? `‘${gap.channel}’: ` : '';
  if (gap.reason === 'evicted') {
    const missed = typeof gap.missed === 'number' ? plural(gap.missed, 'message') : 'Some messages';
    return `${where}${missed} left the history before they were read.`;
  }
  if (gap.reason === 'reset') {
    return `${where}the channel's history was re-created (deleted, or the server restarted); older messages are gone.`;
  }
  return `${where}${gap.reason ?? 'unknown reason'}.`;
}
