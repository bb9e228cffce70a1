// The HTTP side of a subscription: its URLs, its token, one request at a time, and its waits.
import { HarkError, errorFrom } from './errors.js';
import { parseJson } from './util.js';

/** Where the subscription starts, as `/sub` parameters: its cursor, `oldest`, or `last`; none means now. */
export function startParams(sub) {
  if (sub.cursor) return { cursor: sub.cursor };
  if (sub.start === 'oldest') return { cursor: 'oldest' };
  if (sub.last) return { last: sub.last };
  return {};
}

export function subUrl(sub, { timeout = null, transport = null, max = null, envelope = false, token = false, origin = null, client = sub.client } = {}) {
  const q = new URLSearchParams();
  const start = startParams(sub);
  if (start.cursor) q.set('cursor', start.cursor);
  else if (start.last) q.set('last', String(start.last));
  if (timeout !== null) q.set('timeout', String(timeout));
  if (transport) q.set('transport', transport);
  if (max) q.set('max', String(max));
  if (envelope) q.set('envelope', '1');
  if (origin) q.set('origin', origin);
  if (client) q.set('client', client);
  if (token && sub.token) q.set('token', sub.token);
  // The grant the authorization hook's answer left, sent back on every request so the hook is asked once per
  // subscription. In the query, not a header: a cross-origin poll stays a simple request, with no preflight.
  if (sub.grant) q.set('grant', sub.grant);
  return `${sub.base}/sub/${sub.channels.map(encodeURIComponent).join(',')}?${q}`;
}

/** Reads the token (a function is called each time); false when it threw, which ends the subscription. */
export async function resolveToken(sub) {
  const t = sub.o.token;
  try {
    sub.token = typeof t === 'function' ? await t() : t ?? null;
    return sub.running;
  } catch (cause) {
    const error = new HarkError(`The token function failed: ${cause?.message ?? cause}`, { type: 'token', cause });
    sub.emitError(error);
    sub.end('expired', { error });
    return false;
  }
}

/** Asks a stream's URL and hangs up once the headers are in: its content type, or a HarkError. */
export function probe(sub, url) {
  return request(sub, url, sub.o.requestTimeout, (r) => {
    const type = r.headers.get('content-type') ?? '';
    r.body?.cancel().catch(() => {});
    return type;
  });
}

/** One subscribe request (never two at once): the parsed batch, or a HarkError. */
export function get(sub, url, timeoutMs) {
  return request(sub, url, timeoutMs, async (response) => {
    const batch = parseJson(await response.text());
    if (!batch || !Array.isArray(batch.messages) || typeof batch.cursor !== 'string') {
      throw new HarkError(`${response.status}: the answer is not a Hark batch`, { status: response.status, type: 'bad-response' });
    }
    return batch;
  });
}

export async function request(sub, url, timeoutMs, read) {
  if (!(await resolveToken(sub))) throw new HarkError('Stopped', { type: 'network' });
  const controller = new AbortController();
  sub.inflight = controller;
  let timedOut = false;
  const timer = sub.clock.setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs, 'request-timeout');
  try {
    const headers = { Accept: 'application/json' };
    if (sub.token) headers.Authorization = `Bearer ${sub.token}`;
    try {
      // `no-store` keeps the browser's HTTP cache out of the way: Chromium lets only one request for a URL at a time
      // through its cache, so identical long-polls from several tabs would otherwise wait behind each other.
      const response = await sub.fetch(url, { headers, signal: controller.signal, cache: 'no-store' });
      if (!response.ok) throw await errorFrom(response);
      const grant = response.headers?.get?.('hark-grant');
      if (grant) sub.grant = grant;
      return await read(response);
    } catch (error) {
      if (error instanceof HarkError) throw error;
      throw timedOut
        ? new HarkError(`No answer within ${timeoutMs} ms`, { type: 'timeout', cause: error })
        : new HarkError(`Network error: ${error?.message ?? error}`, { type: 'network', cause: error });
    }
  } finally {
    sub.clock.clearTimeout(timer);
    if (sub.inflight === controller) sub.inflight = null;
  }
}

/** Waits `ms` (`reason` is 'retry' or 'interval'; a test clock may use it), or less when woken or stopped. */
export function sleep(sub, ms, reason = 'retry') {
  return new Promise((resolve) => {
    if (!sub.running) return resolve();
    const id = sub.clock.setTimeout(() => {
      sub.wake = null;
      resolve();
    }, ms, reason);
    sub.wake = () => {
      sub.clock.clearTimeout(id);
      sub.wake = null;
      resolve();
    };
  });
}
