// Built from clients/js/src by `npm run build` (rollup): edit those files, not this one.
// Small helpers shared by the subscription, its transports and publish.

const DEFAULTS = {
  timeout: 25,
  interval: 5000,
  requestTimeout: 15000,
  retryDelay: 500,
  maxRetryDelay: 30000,
  serverErrorDelay: 5000,
  maxServerErrorDelay: 120000,
};

function baseOf(url) {
  const base = url === undefined || url === null ? '' : String(url);
  return base.endsWith('/') ? base.slice(0, -1) : base;
}

function isAbsolute(url) {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(url);
}

function channelList(channels) {
  const list = (Array.isArray(channels) ? channels : String(channels ?? '').split(','))
    .map((c) => String(c).trim())
    .filter((c) => c.length > 0);
  if (list.length === 0) throw new TypeError('hark: subscribe needs at least one channel name');
  return list;
}

function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function epochOf(cursor) {
  const m = typeof cursor === 'string' ? /^(.+):(\d+)$/.exec(cursor) : null;
  return m ? { epoch: m[1], seq: Number(m[2]) } : null;
}

function reportUncaught(error) {
  if (typeof globalThis.reportError === 'function') globalThis.reportError(error);
  else console.error(error);
}

const systemClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (id) => clearTimeout(id),
};

/** Reads a Storage-like object; null when it is missing, empty or denied. */
function readItem(storage, key) {
  if (!storage) return null;
  try {
    return storage.getItem(key) || null;
  } catch {
    return null;
  }
}

/** Writes a Storage-like object; a full or denied storage only loses what a later page would have resumed from. */
function writeItem(storage, key, value) {
  try {
    storage?.setItem(key, value);
  } catch {
    // Nothing to do: this page goes on without it.
  }
}

function removeItem(storage, key) {
  try {
    storage?.removeItem(key);
  } catch {
    // Nothing to do.
  }
}

const CLIENT_ID = /^[A-Za-z0-9._:@-]{1,64}$/;

/** Whether `id` is a presence client id: 1 to 64 characters of `A–Z a–z 0–9 . _ - : @`. */
function isClientId(id) {
  return typeof id === 'string' && CLIENT_ID.test(id);
}

/** A random id, made once per page load: what every subscription of the page names as its `client` by default. */
const clientId = (() => {
  const bytes = new Uint8Array(9);
  // getRandomValues works on plain-HTTP pages too, where crypto.randomUUID does not exist.
  if (typeof globalThis.crypto?.getRandomValues === 'function') globalThis.crypto.getRandomValues(bytes);
  else for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
  return `p-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
})();

/** The `client` a subscription names: the option's id, none for `null`/`false`, else the page's. Throws for a bad id. */
function clientOf(option) {
  if (option === undefined) return clientId;
  if (option === null || option === false) return null;
  if (!isClientId(option)) throw new TypeError(`hark: client is 1 to 64 characters of A-Z a-z 0-9 . _ - : @, not '${option}'`);
  return option;
}

/** Calls stop once signal aborts; true when it already has (stop was called now). */
function stopOnAbort(signal, stop) {
  if (!signal) {
    return false;
  }
  if (signal.aborted) {
    stop();
    return true;
  }
  signal.addEventListener('abort', stop, { once: true });
  return false;
}

// HarkError, and how a failure's status decides what the subscription does next.

const PROBLEM_PREFIX = 'urn:hark:problem:';

/** A failed request or a refused subscription. */
class HarkError extends Error {
  constructor(message, { status = 0, type = 'network', problem = null, retryAfter = null, cause } = {}) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'HarkError';
    /** The HTTP status, or 0 when no answer came (network error, timeout). */
    this.status = status;
    /** The problem type without its `urn:hark:problem:` prefix, or `network`, `timeout`, `bad-response`, `http`, `callback`, `token`, `upgrade-failed`. */
    this.type = type;
    /** The parsed RFC 9457 problem body, when the server sent one. */
    this.problem = problem;
    /** `Retry-After` in milliseconds, when the server sent one. */
    this.retryAfter = retryAfter;
    /** Whether the subscription will try again after this error. */
    this.willRetry = false;
  }
}

function typeOf(problemType) {
  return typeof problemType === 'string' && problemType.startsWith(PROBLEM_PREFIX) ? problemType.slice(PROBLEM_PREFIX.length) : null;
}

/** The error for an RFC 9457 problem object: an HTTP answer's body, or a WebSocket `error` frame's `problem`. */
function problemError(problem, status, { fallbackTitle = 'HTTP error', retryAfter = null } = {}) {
  const valid = problem && typeof problem === 'object' && typeof problem.type === 'string' ? problem : null;
  const title = valid?.title ?? fallbackTitle;
  const detail = valid?.detail ? `: ${valid.detail}` : '';
  return new HarkError(`${status} ${title}${detail}`, { status, type: typeOf(valid?.type) ?? 'http', problem: valid, retryAfter });
}

function retryAfterMs(response) {
  const value = response.headers.get('retry-after');
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - Date.now());
}

async function errorFrom(response) {
  let text = '';
  try {
    text = await response.text();
  } catch {
    // The status says enough.
  }
  return problemError(parseJson(text), response.status, { fallbackTitle: response.statusText || 'HTTP error', retryAfter: retryAfterMs(response) });
}

// What a failure calls for: try again soon, try again much later, or end the subscription.
function classify(error) {
  // The server answers HTTP but the socket would not open: a proxy in the way, or a refusal the browser hides.
  if (error.type === 'upgrade-failed') return 'server';
  const s = error.status;
  if (s === 0 || s === 408) return 'network';
  // A 403 for the iframe's origin is the server's configuration, not the subscriber's token.
  if (s === 401 || (s === 403 && error.type !== 'origin-not-allowed')) return 'expired';
  if (s === 410) return 'closed';
  if (s >= 500 || s === 429 || (s >= 200 && s < 300)) return 'server';
  return 'failed';
}

/**
 * Calls the page's handler `name` of `options` with `args`. A handler that throws must not stop what called it nor make
 * a message be delivered again: its error goes to `onError` (unless that is what threw), else to the page's error reporting.
 */
function callHandler(options, name, ...args) {
  const fn = options[name];
  if (typeof fn !== 'function') return;
  try {
    fn(...args);
  } catch (error) {
    if (name !== 'onError' && typeof options.onError === 'function') {
      try {
        options.onError(new HarkError(`${name} threw: ${error?.message ?? error}`, { type: 'callback', cause: error }));
        return;
      } catch {
        // Fall through to the page's error reporting.
      }
    }
    reportUncaught(error);
  }
}

/**
 * Waits after failures: a network error or timeout starts at about `retryDelay` and doubles to
 * `maxRetryDelay`; a server error (5xx, 429) starts at `serverErrorDelay` and doubles to
 * `maxServerErrorDelay`, never shorter than its `Retry-After` (but never past that cap). Each wait is
 * jittered by ±25% so that clients cut off together do not come back together.
 */
function createRetryPolicy(options = {}, random = Math.random) {
  const o = { ...DEFAULTS, ...options };
  let network = 0;
  let server = 0;
  const wait = (first, cap, failures) => {
    const grown = Math.min(cap, first * 2 ** Math.min(failures, 30));
    return Math.round(Math.min(cap, grown * (0.75 + random() * 0.5)));
  };
  return {
    succeeded() {
      network = 0;
      server = 0;
    },
    afterNetworkError() {
      return wait(o.retryDelay, o.maxRetryDelay, network++);
    },
    afterServerError(retryAfter) {
      const jittered = wait(o.serverErrorDelay, o.maxServerErrorDelay, server++);
      return Math.min(o.maxServerErrorDelay, Math.max(jittered, retryAfter ?? 0));
    },
  };
}

// Which transport a subscription uses. `auto` tries WebSocket, then SSE, then long-polling, moving on when one
// cannot work here (a proxy that refuses upgrades or buffers event streams), and remembers, per server, the one
// that worked, so the next page starts with it.

const TRANSPORTS = ['auto', 'websocket', 'sse', 'longpoll', 'poll', 'iframe'];

// A transport remembered after a fallback is used instead of the better ones for a day; then they are tried again.
const REMEMBER_MS = 24 * 60 * 60 * 1000;

function available(sub, transport) {
  if (transport === 'websocket') return typeof sub.WebSocket === 'function';
  if (transport === 'sse') return typeof sub.EventSource === 'function' && typeof sub.fetch === 'function';
  if (transport === 'iframe') return Boolean(sub.window?.document);
  return typeof sub.fetch === 'function';
}

function transportStorage(sub) {
  const given = sub.o.transportStorage;
  if (given === false || given === null) return null;
  if (given) return given;
  try {
    // Whether a proxy lets sockets through is a fact about the network, shared by every tab: localStorage.
    return sub.window?.localStorage ?? null;
  } catch {
    return null; // denied (a sandboxed frame, say)
  }
}

/** Sets `sub.transport`; throws a TypeError for one this environment lacks. */
function chooseTransport(sub, requested) {
  if (!TRANSPORTS.includes(requested)) {
    throw new TypeError(`hark: unknown transport '${requested}' (use ${TRANSPORTS.join(', ')})`);
  }
  sub.auto = requested === 'auto';
  if (!sub.auto) {
    if (requested === 'websocket' && !available(sub, 'websocket')) throw new TypeError('hark: WebSocket is not available here');
    if (requested === 'sse' && typeof sub.EventSource !== 'function') throw new TypeError('hark: EventSource is not available here');
    if (requested === 'iframe' && !available(sub, 'iframe')) throw new TypeError('hark: the iframe transport needs a document');
    if (requested !== 'iframe' && requested !== 'websocket' && typeof sub.fetch !== 'function') throw new TypeError('hark: fetch is not available here');
    sub.transport = requested;
    return;
  }
  sub.chain = ['websocket', 'sse', 'longpoll'].filter((t) => available(sub, t));
  if (sub.chain.length === 0) throw new TypeError('hark: fetch is not available here');
  sub.memory = transportStorage(sub);
  sub.memoryKey = `hark:transport:${sub.serverUrl.href.replace(/\/$/, '')}`;
  let kept = null;
  try {
    kept = JSON.parse(readItem(sub.memory, sub.memoryKey));
  } catch {
    // Not ours, or damaged: start from the best.
  }
  const fresh = kept && typeof kept.at === 'number' && sub.clock.now() - kept.at < REMEMBER_MS;
  sub.kept = fresh && sub.chain.includes(kept.transport) ? kept.transport : null;
  sub.transport = sub.kept ?? sub.chain[0];
}

/** Under `auto`, moves on to the next transport; false when there is none (or the transport was chosen). */
function fallBack(sub) {
  if (!sub.auto) return false;
  const next = sub.chain[sub.chain.indexOf(sub.transport) + 1];
  if (!next) return false;
  sub.transport = next;
  return true;
}

/** Under `auto`, keeps the transport that has just worked, unless it is the one kept already. */
function rememberTransport(sub) {
  if (!sub.auto || sub.kept === sub.transport) return;
  sub.kept = sub.transport;
  writeItem(sub.memory, sub.memoryKey, JSON.stringify({ transport: sub.transport, at: sub.clock.now() }));
}

// The HTTP side of a subscription: its URLs, its token, one request at a time, and its waits.

/** Where the subscription starts, as `/sub` parameters: its cursor, `oldest`, or `last`; none means now. */
function startParams(sub) {
  if (sub.cursor) return { cursor: sub.cursor };
  if (sub.start === 'oldest') return { cursor: 'oldest' };
  if (sub.last) return { last: sub.last };
  return {};
}

function subUrl(sub, { timeout = null, transport = null, max = null, envelope = false, token = false, origin = null, client = sub.client } = {}) {
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
async function resolveToken(sub) {
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
function probe(sub, url) {
  return request(sub, url, sub.o.requestTimeout, (r) => {
    const type = r.headers.get('content-type') ?? '';
    r.body?.cancel().catch(() => {});
    return type;
  });
}

/** One subscribe request (never two at once): the parsed batch, or a HarkError. */
function get(sub, url, timeoutMs) {
  return request(sub, url, timeoutMs, async (response) => {
    const batch = parseJson(await response.text());
    if (!batch || !Array.isArray(batch.messages) || typeof batch.cursor !== 'string') {
      throw new HarkError(`${response.status}: the answer is not a Hark batch`, { status: response.status, type: 'bad-response' });
    }
    return batch;
  });
}

async function request(sub, url, timeoutMs, read) {
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
function sleep(sub, ms, reason = 'retry') {
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

// What the streaming transports (SSE, the iframe) share: deciding what to do once a stream has ended.

/** A stream (EventSource or frame) ended: reconnect, after finding out why when it never opened. */
async function afterStream(sub, { opened, lasted, delivered, url }) {
  if (opened) {
    // A stream that carried something or stayed up a while was a success; one that drops at once is not.
    if (delivered || lasted >= 5000) sub.policy.succeeded();
    await sub.recover(new HarkError('The stream ended', { type: 'network' }));
    return;
  }
  // Neither EventSource nor a frame tells why it failed: ask the same URL and read the status.
  let contentType;
  try {
    contentType = await probe(sub, url);
  } catch (error) {
    await sub.recover(error);
    return;
  }
  const expected = sub.transport === 'sse' ? 'text/event-stream' : 'text/html';
  if (contentType.startsWith(expected)) {
    await sub.recover(new HarkError('The stream could not be opened', { type: 'network' }));
  } else if (sub.transport === 'sse' && fallBack(sub)) ; else {
    await sub.recover(new HarkError(`The stream was answered with ${contentType || 'no content type'}`, { status: 200, type: 'bad-response' }));
  }
}

// The forever-iframe: a hidden frame whose scripts post each object to this page, reloaded from the cursor.

async function runIframe(sub) {
  const outcome = await openFrame(sub);
  if (!sub.running || outcome.stopped) return;
  await afterStream(sub, outcome);
}

function openFrame(sub) {
  return new Promise((resolve) => {
    const win = sub.window;
    const doc = win.document;
    const frame = doc.createElement('iframe');
    let opened = false;
    let openedAt = 0;
    let delivered = false;
    let done = false;
    let url = null;
    const onMessage = (event) => {
      // Only what our own frame posts, from the server's origin.
      if (done || event.source !== frame.contentWindow || event.origin !== sub.serverOrigin) return;
      const data = event.data;
      if (!data || typeof data !== 'object') return;
      if (typeof data.seq === 'number') {
        if (sub.deliver(data)) delivered = true;
      } else if (data.gap === true) {
        sub.accept({ gap: true, gaps: data.gaps, cursor: data.cursor, messages: [] });
      } else if (typeof data.grant === 'string') {
        sub.grant = data.grant;
      } else if (data.closed === true) {
        finish({ stopped: true });
        sub.closed(data.channel ?? null);
      } else if (typeof data.cursor === 'string') {
        opened = true;
        openedAt = sub.clock.now();
        sub.setCursor(data.cursor);
        sub.live();
        sub.resolveReady(sub.cursor);
      }
    };
    // The document never ends while the stream lives: load means it ended, or was an error page.
    const onLoad = () => finish({});
    const finish = (outcome) => {
      if (done) return;
      done = true;
      win.removeEventListener('message', onMessage);
      frame.removeEventListener('load', onLoad);
      frame.remove();
      if (sub.stopStream === stop) sub.stopStream = null;
      resolve({ ...outcome, url, opened, delivered, lasted: opened ? sub.clock.now() - openedAt : 0 });
    };
    const stop = () => finish({ stopped: true });
    sub.stopStream = stop;
    resolveToken(sub).then((ok) => {
      if (done) return;
      if (!ok) return stop();
      const origin = sub.pageOrigin && sub.pageOrigin !== sub.serverOrigin ? sub.pageOrigin : null;
      frame.setAttribute('aria-hidden', 'true');
      frame.setAttribute('tabindex', '-1');
      frame.title = 'hark';
      frame.style.display = 'none';
      win.addEventListener('message', onMessage);
      frame.addEventListener('load', onLoad);
      url = subUrl(sub, { transport: 'iframe', token: true, origin });
      frame.src = url;
      (doc.body ?? doc.documentElement).appendChild(frame);
    });
  });
}

// Long-polling and plain polling: one request at a time, each answer a batch with its cursor.

async function runPoll(sub) {
  const mode = sub.transport;
  while (sub.running && sub.transport === mode) {
    // The first request answers at once, so the subscription is live (and its cursor known) quickly.
    const hold = mode === 'longpoll' && sub.answered ? sub.o.timeout : 0;
    const started = sub.clock.now();
    let batch;
    try {
      batch = await get(sub, subUrl(sub, { timeout: hold, transport: mode === 'poll' ? 'poll' : null, max: sub.o.max }), hold * 1000 + sub.o.requestTimeout);
    } catch (error) {
      if (!(await sub.recover(error))) return;
      continue;
    }
    if (!sub.running) return;
    const empty = !batch.gap && batch.messages.length === 0;
    const early = hold > 0 && empty && sub.clock.now() - started < Math.min(1000, hold * 500);
    sub.answered = true;
    sub.live();
    sub.accept(batch);
    sub.resolveReady(sub.cursor);
    if (early) {
      // An empty answer long before the timeout (a server shutting down, say) must not become a busy loop.
      await sleep(sub, sub.policy.afterNetworkError());
      continue;
    }
    sub.policy.succeeded();
    const full = batch.messages.length >= (sub.o.max ?? 100);
    if (mode === 'poll' && !full && sub.running) await sleep(sub, sub.o.interval, 'interval');
  }
}

// Server-Sent Events: one EventSource in envelope mode, reopened by the client itself from its cursor.

async function runSse(sub) {
  // One plain poll first: it delivers what is already there, learns the cursor (an EventSource does not
  // expose the stream's opening id:), and turns a 401/410 into a clear answer before the stream opens.
  if (!sub.cursor) {
    try {
      const batch = await get(sub, subUrl(sub, { timeout: 0 }), sub.o.requestTimeout);
      if (!sub.running) return;
      sub.accept(batch);
    } catch (error) {
      await sub.recover(error);
      return;
    }
  }
  const outcome = await openStream(sub);
  if (!sub.running || outcome.stopped) return;
  await afterStream(sub, outcome);
}

function openStream(sub) {
  return new Promise((resolve) => {
    resolveToken(sub).then((ok) => {
      if (!ok) return resolve({ stopped: true });
      const url = subUrl(sub, { transport: 'sse', envelope: true, token: true });
      const source = new sub.EventSource(url);
      let opened = false;
      let openedAt = 0;
      let delivered = false;
      let done = false;
      const finish = (outcome) => {
        if (done) return;
        done = true;
        source.close();
        if (sub.stopStream === stop) sub.stopStream = null;
        resolve({ ...outcome, url, opened, delivered, lasted: opened ? sub.clock.now() - openedAt : 0 });
      };
      const stop = () => finish({ stopped: true });
      sub.stopStream = stop;
      source.onopen = () => {
        if (done) return;
        opened = true;
        openedAt = sub.clock.now();
        sub.live();
        sub.resolveReady(sub.cursor);
      };
      // With envelope=1 every message arrives as an unnamed event carrying the whole message object.
      source.onmessage = (event) => {
        if (done) return;
        if (sub.deliver(parseJson(event.data))) delivered = true;
      };
      source.addEventListener('gap', (event) => {
        if (done) return;
        const gap = parseJson(event.data);
        if (!gap || !Array.isArray(gap.gaps)) return;
        sub.accept({ gap: true, gaps: gap.gaps, cursor: gap.cursor ?? event.lastEventId, messages: [] });
      });
      source.addEventListener('grant', (event) => {
        const data = parseJson(event.data);
        if (typeof data?.grant === 'string') sub.grant = data.grant;
      });
      source.addEventListener('closed', (event) => {
        if (done) return;
        const data = parseJson(event.data);
        finish({ stopped: true });
        sub.closed(data?.channel ?? null);
      });
      // The browser's own reconnect would resume with Last-Event-ID but hide 401/410/503 from us and keep
      // its own pace; close it and reconnect with our cursor and our retry policy.
      source.onerror = () => finish({});
    });
  });
}

// WebSocket (GET /ws, docs/protocol.md): one socket per subscription, subscribed by a frame that carries the
// cursor (and the token, kept out of URLs and logs), reopened from the latest cursor by the retry policy
// whenever it closes. Hark's close codes are read as the HTTP statuses they stand for (4000 + status).

const ID = 'hark';

// Under `auto`, sockets that open but do not work this many times in a row (a proxy that lets the upgrade
// through and then holds or cuts the frames) move the subscription on to the next transport.
const BROKEN_BEFORE_FALLBACK = 2;

async function runWebSocket(sub) {
  const outcome = await openSocket(sub);
  if (!sub.running || outcome.stopped) return;
  await afterSocket(sub, outcome);
}

function socketUrl(sub) {
  const url = new URL(`${sub.serverUrl.href.replace(/\/$/, '')}/ws`);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.href;
}

function subscribeFrame(sub) {
  const frame = { type: 'subscribe', id: ID, channels: sub.channels, ...startParams(sub) };
  if (sub.o.max) frame.max = sub.o.max;
  if (sub.token) frame.token = sub.token;
  if (sub.grant) frame.grant = sub.grant;
  if (sub.client) frame.client = sub.client;
  return JSON.stringify(frame);
}

function openSocket(sub) {
  return new Promise((resolve) => {
    resolveToken(sub).then((ok) => {
      if (!ok) return resolve({ stopped: true });
      let socket;
      try {
        socket = new sub.WebSocket(socketUrl(sub));
      } catch (cause) {
        // The page's policy forbids the socket, or the URL is not one a socket can open.
        return resolve({ unusable: new HarkError(`The WebSocket could not be created: ${cause?.message ?? cause}`, { type: 'upgrade-failed', cause }) });
      }
      let opened = false;
      let openedAt = 0;
      let subscribed = false;
      let delivered = false;
      let problem = null; // the error frame the server sends before it closes the socket
      let done = false;
      let timer = null;
      const disarm = () => {
        if (timer !== null) sub.clock.clearTimeout(timer);
        timer = null;
      };
      const arm = (ms, reason, fire) => {
        disarm();
        timer = sub.clock.setTimeout(fire, ms, reason);
      };
      const finish = (outcome) => {
        if (done) return;
        done = true;
        disarm();
        socket.onopen = socket.onmessage = socket.onclose = null;
        socket.onerror = () => {};
        try {
          socket.close(1000);
        } catch {
          // Closed already.
        }
        if (sub.stopStream === stop) sub.stopStream = null;
        resolve({ ...outcome, problem, opened, subscribed, delivered, lasted: opened ? sub.clock.now() - openedAt : 0 });
      };
      const stop = () => finish({ stopped: true });
      sub.stopStream = stop;
      const silent = (what) => () => finish({ error: new HarkError(`No ${what} within ${sub.o.requestTimeout} ms`, { type: 'timeout' }) });
      // The server pings, but a page cannot see that: after `timeout` s of quiet, ask, so that a connection that
      // died without a word (a laptop that slept, a dropped route) is found out.
      const idle = () => arm(sub.o.timeout * 1000, 'heartbeat', () => {
        if (done) return;
        try {
          socket.send('{"type":"ping"}');
        } catch {
          // Closing already: its close event is on the way.
        }
        arm(sub.o.requestTimeout, 'request-timeout', silent('answer to a ping'));
      });
      socket.onopen = () => {
        if (done) return;
        opened = true;
        openedAt = sub.clock.now();
        socket.send(subscribeFrame(sub));
        arm(sub.o.requestTimeout, 'request-timeout', silent('answer to the subscribe frame'));
      };
      socket.onmessage = (event) => {
        if (done) return;
        if (subscribed) idle();
        const frame = typeof event.data === 'string' ? parseJson(event.data) : undefined;
        if (!frame || typeof frame !== 'object') return;
        if (typeof frame.seq === 'number') {
          if (sub.deliver(frame)) delivered = true;
          return;
        }
        if (frame.type === 'subscribed' && frame.id === ID) {
          subscribed = true;
          if (typeof frame.grant === 'string') sub.grant = frame.grant;
          if (typeof frame.cursor === 'string' && frame.cursor) sub.setCursor(frame.cursor);
          sub.live();
          sub.resolveReady(sub.cursor);
          idle();
        } else if (frame.type === 'grant' && typeof frame.grant === 'string') {
          // The hook was asked again when the old grant expired: the next socket presents this one.
          sub.grant = frame.grant;
        } else if (frame.type === 'gap' && Array.isArray(frame.gaps)) {
          sub.accept({ gap: true, gaps: frame.gaps, cursor: frame.cursor, messages: [] });
        } else if (frame.type === 'closed') {
          finish({ stopped: true });
          sub.closed(frame.channel ?? null);
        } else if (frame.type === 'error') {
          const status = typeof frame.problem?.status === 'number' ? frame.problem.status : 0;
          const retryAfter = typeof frame.retryAfter === 'number' ? frame.retryAfter * 1000 : null;
          const error = problemError(frame.problem, status, { fallbackTitle: 'Refused', retryAfter });
          // Our subscription refused, or ended by the server (503 limit-reached); without an id, the socket
          // is about to close and its close code follows.
          if (frame.id === ID) finish({ refusal: error });
          else problem = error;
        }
        // pong, and frame types of later versions: nothing to do.
      };
      // A close event follows an error in browsers, with all a page may know (1006); Node 20's WebSocket fires none.
      socket.onerror = () => finish({ code: 1006, reason: '' });
      socket.onclose = (event) => finish({ code: event.code, reason: event.reason ?? '' });
    });
  });
}

/** The error Hark's own close codes stand for; null for a close that says nothing (1006 and the like). */
function closeError({ code, reason, problem }) {
  if (code >= 4000 && code <= 4999) {
    const status = code - 4000;
    const type = typeOf(reason) ?? problem?.type ?? 'http';
    const error = problem ?? new HarkError(`${status} ${reason || 'closed by the server'}`, { status, type });
    error.status = status;
    error.type = type;
    return error; // 4408 slow-consumer reads as 408: resume at once; 4401/4403 end the subscription.
  }
  if (code === 1001) return new HarkError('The server is stopping', { type: 'network' });
  if (code === 1011) return new HarkError('The server closed the socket after an internal error', { status: 500, type: 'internal-error' });
  return null;
}

async function afterSocket(sub, outcome) {
  const { opened, subscribed, delivered, lasted } = outcome;
  if (outcome.unusable) {
    if (!fallBack(sub)) {
      sub.emitError(outcome.unusable);
      sub.end('failed', { error: outcome.unusable });
    }
    return;
  }
  const worked = subscribed && (delivered || lasted >= 5000);
  if (worked) {
    sub.brokenSockets = 0;
    sub.policy.succeeded();
  }
  // Hark spoke (a refusal, or a close of its own): the socket works, and the answer means what it means over HTTP.
  const spoken = outcome.refusal ?? closeError(outcome);
  if (spoken) {
    sub.brokenSockets = 0;
    await sub.recover(spoken);
    return;
  }
  const error = outcome.error ?? new HarkError(`The socket closed (${outcome.code ?? 'no code'})`, { type: 'network' });
  if (worked) {
    await sub.recover(error);
    return;
  }
  if (!opened) {
    // A browser tells nothing of why a socket did not open: ask /ws over HTTP, which Hark answers 426.
    const answer = await askOverHttp(sub);
    if (!sub.running) return;
    if (!answer) {
      // No answer at all: the server is down or the network is, and every transport would fail alike.
      await sub.recover(new HarkError('The WebSocket could not connect', { type: 'network' }));
    } else if (fallBack(sub)) {
      answer.willRetry = true;
      sub.emitError(answer);
    } else {
      await sub.recover(answer);
    }
    return;
  }
  sub.brokenSockets = (sub.brokenSockets ?? 0) + 1;
  if (sub.brokenSockets >= BROKEN_BEFORE_FALLBACK && fallBack(sub)) {
    sub.brokenSockets = 0;
    error.willRetry = true;
    sub.emitError(error);
    return;
  }
  await sub.recover(error);
}

/** What the server answers `GET /ws` without an upgrade: a HarkError, or null when nothing answers. */
async function askOverHttp(sub) {
  if (!sub.fetch) return null;
  const url = `${sub.serverUrl.href.replace(/\/$/, '')}/ws`;
  let error;
  try {
    const status = await request(sub, url, sub.o.requestTimeout, (r) => {
      r.body?.cancel().catch(() => {});
      return r.status;
    });
    error = new HarkError(`The WebSocket could not be opened, and /ws answers ${status} over HTTP`, { type: 'upgrade-failed' });
  } catch (caught) {
    if (caught.status === 0) return null;
    error = caught;
  }
  if (error.status === 426 || classify(error) === 'network') {
    // Hark's own answer to a request that is not an upgrade: the server is there, and the upgrade was refused on the
    // way (a proxy) or by the server before it (an Origin it does not allow, too many connections from this address).
    return new HarkError('The WebSocket could not be opened, though the server answers HTTP', { type: 'upgrade-failed', problem: error.problem });
  }
  return error; // 404: this server does not serve /ws; 401 (authorization on MapHark); 5xx
}

// Which tab leads a shared subscription. With the Web Locks API the tab that holds the lock leads: the browser
// releases it when the tab closes, so the next tab in line takes over without any timer. Without it, the tabs
// elect over the BroadcastChannel itself: the leader beats, the lowest id among the claimants wins, and a leader
// whose beats stop (its tab crashed or froze) is replaced.

/** Leadership by a Web Lock named after the share. */
class LockElection {
  constructor(locks, name) {
    this.locks = locks;
    this.name = name;
    this.release = null; // ends the callback that holds the lock
    this.abort = null; // withdraws the queued request
  }

  /** Calls `onLead` once this tab holds the lock; `onLose` if it is taken away (it never is: no one steals it). */
  start(onLead) {
    if (this.abort || this.release) return;
    const controller = new AbortController();
    this.abort = controller;
    this.locks
      .request(this.name, { signal: controller.signal }, () => {
        if (this.abort !== controller) return undefined; // resigned before the lock came
        this.abort = null;
        return new Promise((resolve) => {
          this.release = resolve;
          onLead();
        });
      })
      .catch(() => {
        // Withdrawn (AbortError) or the lock manager is gone (the document is closing): nothing to hold.
      });
  }

  /** Lets go of the lock, or of the place in line for it. */
  resign() {
    const abort = this.abort;
    this.abort = null;
    abort?.abort();
    const release = this.release;
    this.release = null;
    release?.();
  }

  close() {
    this.resign();
  }
}

/**
 * Leadership agreed over the share's BroadcastChannel, for browsers without Web Locks. A tab claims, and leads
 * when no leader beat and no lower claim came within `claimMs`; the leader beats every `beatMs`; followers claim
 * again when `3 * beatMs` pass without a beat, or at once when the leader resigns. Two leaders (after a split)
 * settle as soon as either hears the other: the higher id steps down.
 */
class ChannelElection {
  constructor(post, clock, { id, beatMs = 1000, claimMs = 200 } = {}) {
    this.post = post;
    this.clock = clock;
    this.id = id;
    this.beatMs = beatMs;
    this.claimMs = claimMs;
    this.state = 'idle'; // idle | candidate | follower | leader
    this.timer = null;
    this.onLead = null;
    this.onLose = null;
  }

  start(onLead, onLose) {
    this.onLead = onLead;
    this.onLose = onLose;
    if (this.state === 'idle') this.claim();
  }

  claim() {
    this.state = 'candidate';
    this.post({ t: 'claim', id: this.id });
    this.arm(this.claimMs, () => this.lead());
  }

  lead() {
    this.state = 'leader';
    this.beat();
    this.onLead?.();
  }

  beat() {
    if (this.state !== 'leader') return;
    this.post({ t: 'beat', id: this.id });
    this.arm(this.beatMs, () => this.beat());
  }

  follow() {
    const was = this.state;
    this.state = 'follower';
    this.arm(this.beatMs * 3, () => this.claim());
    if (was === 'leader') this.onLose?.();
  }

  /** Reads an election message from another tab. */
  receive(data) {
    if (this.state === 'idle' || !data || data.id === this.id) return;
    if (data.t === 'claim') {
      // A leader answers a claim at once, so the claimant follows; among claimants the lowest id wins.
      if (this.state === 'leader') this.post({ t: 'beat', id: this.id });
      else if (this.state === 'candidate' && data.id < this.id) this.follow();
    } else if (data.t === 'beat') {
      if (this.state === 'leader' && data.id > this.id) this.post({ t: 'beat', id: this.id });
      else this.follow();
    } else if (data.t === 'resign' && this.state !== 'leader') {
      this.claim();
    }
  }

  arm(ms, fire) {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      fire();
    }, ms, 'share');
  }

  /** Steps down (a frozen or closing tab): the others claim at once. Rejoin with `start`. */
  resign() {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
    if (this.state === 'leader') this.post({ t: 'resign', id: this.id });
    this.state = 'idle';
  }

  close() {
    this.resign();
  }
}

// Sharing one subscription between the tabs of an origin (`share: true`): the tabs that subscribe to the same
// channels on the same server with the same token and transport elect a leader (./election.js), which alone holds
// a connection and passes every message, gap, cursor and status to the others over a BroadcastChannel.
//
// Nothing is lost or repeated across a change of leader: each relayed message carries the cursor the leader was at
// before it (`from`); a follower takes it only when that is its own cursor, and otherwise first catches up with a
// plain poll from its own cursor. Every tab drops what it has delivered already (by seq), so a new leader simply
// resumes from its own cursor.

const ENDING$1 = ['expired', 'closed', 'failed'];

/** A short, stable name for what the tabs must agree on; the token is hashed, never written out. */
function shareKey(sub) {
  const o = sub.o;
  const named = typeof o.share === 'string' ? o.share : '';
  const token = typeof o.token === 'function' ? '' : String(o.token ?? '');
  // A client id the page names is who the shared connection is for presence: only tabs naming the same one share. The
  // page's own random id is not: tabs that keep it share, and the leading tab's id is the one the connection names.
  const client = typeof o.client === 'string' ? o.client : o.client === undefined ? '' : '-';
  const parts = [sub.serverUrl.href, sub.channels.join(','), token, o.transport ?? 'auto', o.timeout, o.interval, o.max ?? '', named, client];
  return `hark:share:${hash(parts.join('\n'))}`;
}

// cyrb53: a 53-bit string hash, enough to tell shares apart (an origin's own pages are the only ones that see it).
function hash(text) {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36);
}

/** Whether this subscription can be shared here: it asked to, and the environment has a BroadcastChannel. */
function canShare(sub) {
  const o = sub.o;
  if (!o.share) return false;
  // With a token function the tabs cannot compare tokens: they share only under a name the page gives.
  if (typeof o.token === 'function' && typeof o.share !== 'string') return false;
  const BC = o.BroadcastChannel === undefined ? globalThis.BroadcastChannel : o.BroadcastChannel;
  return typeof BC === 'function';
}

function toWire(error) {
  if (!error) return null;
  return { message: String(error.message ?? error), status: error.status ?? 0, type: error.type ?? 'network', problem: error.problem ?? null, retryAfter: error.retryAfter ?? null, willRetry: Boolean(error.willRetry) };
}

function fromWire(e) {
  if (!e) return undefined;
  const error = new HarkError(e.message, e);
  error.willRetry = e.willRetry;
  return error;
}

/** One tab's part in a share: leads (runs the transport through an inner subscription) or follows. */
class Share {
  constructor(sub, createInner) {
    const o = sub.o;
    this.sub = sub;
    this.createInner = createInner;
    this.key = shareKey(sub);
    const BC = o.BroadcastChannel === undefined ? globalThis.BroadcastChannel : o.BroadcastChannel;
    this.channel = new BC(this.key);
    this.id = `${sub.clock.now().toString(36)}.${Math.floor((o.random ?? Math.random)() * 2 ** 32).toString(36)}`;
    const locks = o.locks === undefined ? globalThis.navigator?.locks : o.locks;
    this.election = locks && typeof locks.request === 'function'
      ? new LockElection(locks, this.key)
      : new ChannelElection((data) => this.post(data), sub.clock, { id: this.id, beatMs: o.shareBeat ?? 1000, claimMs: o.shareClaim ?? 200 });
    this.role = null; // 'leader' | 'follower'
    this.inner = null;
    this.queue = []; // relayed batches waiting while this tab catches up
    this.catching = false;
    this.channel.onmessage = (event) => this.receive(event.data);
  }

  post(data) {
    try {
      this.channel.postMessage(data);
    } catch {
      // Closed: this tab is leaving.
    }
  }

  /** Starts as a follower (its first poll delivers what is there already) and stands for leader. */
  run() {
    const w = this.sub.window;
    this.onFreeze = () => this.pause();
    this.onResume = () => this.resume();
    this.onPageShow = (event) => event?.persisted && this.resume();
    // The Page Lifecycle events: a frozen tab runs nothing, so it hands the connection on before it freezes.
    w?.document?.addEventListener?.('freeze', this.onFreeze);
    w?.document?.addEventListener?.('resume', this.onResume);
    w?.addEventListener?.('pagehide', this.onFreeze);
    w?.addEventListener?.('pageshow', this.onPageShow);
    this.follow();
    this.catchUp();
    this.stand();
  }

  stand() {
    this.election.start(() => this.lead(), () => this.follow());
  }

  setRole(role) {
    if (this.role === role) return;
    this.role = role;
    this.sub.call('onRole', role);
  }

  // ---------------------------------------------------------------- leading

  lead() {
    this.becomeLeader().catch((error) => {
      this.sub.emitError(new HarkError(`The shared subscription could not start: ${error?.message ?? error}`, { type: 'bad-response', cause: error }));
      this.sub.end('failed', { error });
    });
  }

  async becomeLeader() {
    const sub = this.sub;
    if (!sub.running || this.paused) return this.election.resign();
    // Finish catching up first: the connection resumes from this tab's own cursor.
    while (this.catching) await new Promise((resolve) => (this.caughtUp = resolve));
    if (!sub.running || this.paused) return this.election.resign();
    this.setRole('leader');
    const o = sub.o;
    const start = sub.cursor ?? (sub.start === 'oldest' ? 'oldest' : o.cursor === 'oldest' ? 'oldest' : 'now');
    // The inner subscription reports its first status from its constructor, before `inner` is assigned.
    const ref = { inner: null };
    const inner = this.createInner({
      ...o,
      share: false,
      client: sub.client,
      cursor: start,
      last: sub.cursor ? null : sub.last,
      storage: false,
      signal: undefined,
      onMessage: (m) => this.relayMessage(m),
      onGap: (g) => this.relayGap(g),
      onStatus: (s, info) => ref.inner && this.relayStatus(ref.inner, s, info),
      onClosed: () => {},
      onError: (e) => {
        sub.emitError(e);
        this.post({ t: 'error', error: toWire(e) });
      },
      onRole: null,
    }, { cursor: () => queueMicrotask(() => ref.inner && this.relayCursor(ref.inner)) });
    ref.inner = inner;
    this.inner = inner;
    this.post({ t: 'lead', id: this.id });
  }

  relayMessage(message) {
    const sub = this.sub;
    const from = sub.cursor;
    if (sub.deliver(message)) this.post({ t: 'msg', from, message });
  }

  relayGap(gap) {
    this.post({ t: 'gap', from: this.sub.cursor, gap });
    this.sub.emitGap(gap);
  }

  relayCursor(inner) {
    const sub = this.sub;
    if (this.inner !== inner || !sub.running || !inner.cursor || inner.cursor === sub.cursor) return;
    const from = sub.cursor;
    sub.setCursor(inner.cursor);
    this.post({ t: 'cursor', from, cursor: inner.cursor });
  }

  relayStatus(inner, status, info) {
    const sub = this.sub;
    if (this.inner !== inner) return; // a stepped-down leader's last words
    sub.transport = inner.transport;
    const wire = { delay: info.delay, channel: info.channel, error: toWire(info.error) };
    this.post({ t: 'status', status, transport: inner.transport, info: wire });
    if (status === 'live') {
      if (sub.status !== 'live') sub.emitStatus('live');
      sub.resolveReady(sub.cursor);
    } else if (status === 'reconnecting') {
      sub.emitStatus('reconnecting', info);
    } else if (ENDING$1.includes(status)) {
      this.inner = null;
      this.finish(status, info);
    }
  }

  /** Stops leading without ending the subscription: a frozen tab, or (without Web Locks) another leader. */
  stepDown() {
    const inner = this.inner;
    this.inner = null;
    inner?.end('stopped');
  }

  // ---------------------------------------------------------------- following

  follow() {
    this.stepDown();
    if (this.sub.running) this.setRole('follower');
  }

  receive(data) {
    const sub = this.sub;
    if (!data || typeof data !== 'object' || !sub.running) return;
    if (data.t === 'claim' || data.t === 'beat' || data.t === 'resign') {
      this.election.receive?.(data);
      return;
    }
    if (this.role === 'leader' || this.paused) {
      if (data.t === 'hello' && this.inner) this.post({ t: 'status', status: this.inner.status, transport: this.inner.transport, info: {} });
      return;
    }
    if (data.t === 'msg' || data.t === 'gap' || data.t === 'cursor') {
      this.queue.push(data);
      this.drain();
    } else if (data.t === 'status' || data.t === 'lead') {
      if (typeof data.transport === 'string') sub.transport = data.transport;
      if (data.status === 'reconnecting') sub.emitStatus('reconnecting', { ...data.info, error: fromWire(data.info?.error) });
      else if (data.status === 'live' && !this.catching && sub.answered && sub.status !== 'live') sub.emitStatus('live');
      else if (ENDING$1.includes(data.status)) this.finish(data.status, { channel: data.info?.channel ?? null, error: fromWire(data.info?.error) });
    } else if (data.t === 'error') {
      sub.emitError(fromWire(data.error));
    }
  }

  /** Takes what the leader relayed, in order, while it follows on from this tab's cursor. */
  drain() {
    const sub = this.sub;
    while (!this.catching && this.queue.length > 0 && sub.running) {
      const data = this.queue.shift();
      if (data.t === 'msg' && !sub.isNew(data.message)) continue;
      if (data.from !== sub.cursor || !sub.cursor) {
        // Behind (or ahead of) the leader: ask the server for what follows this tab's own cursor.
        this.queue.length = 0;
        this.catchUp();
        return;
      }
      if (data.t === 'msg') sub.deliver(data.message);
      else if (data.t === 'gap') sub.emitGap(data.gap);
      else if (typeof data.cursor === 'string') sub.setCursor(data.cursor);
    }
  }

  /** One plain poll (or more, while answers come full) from this tab's cursor, delivering what it has missed. */
  async catchUp() {
    const sub = this.sub;
    if (this.catching || !sub.running) return;
    this.catching = true;
    try {
      while (sub.running && !this.paused) {
        let batch;
        try {
          // A follower's poll names the client only when it is the page's choice, the leader's too: with the page's
          // random id it would make this tab present for a grace after every catch-up.
          const client = typeof sub.o.client === 'string' ? sub.client : null;
          batch = await get(sub, subUrl(sub, { timeout: 0, max: sub.o.max, client }), sub.o.requestTimeout);
        } catch (error) {
          if (!(await sub.recover(error))) return;
          continue;
        }
        if (!sub.running) return;
        sub.answered = true;
        sub.accept(batch);
        sub.policy.succeeded();
        if (sub.status !== 'live' && sub.status !== 'reconnecting') sub.emitStatus('live');
        sub.resolveReady(sub.cursor);
        if (batch.messages.length < (sub.o.max ?? 100)) break;
      }
    } finally {
      this.catching = false;
      this.caughtUp?.();
      this.caughtUp = null;
    }
    if (this.role === 'follower') {
      this.post({ t: 'hello', id: this.id });
      this.drain();
    }
  }

  // ---------------------------------------------------------------- freezing, ending

  pause() {
    if (this.paused || !this.sub.running) return;
    this.paused = true;
    this.stepDown();
    this.election.resign();
    this.setRole('follower');
  }

  resume() {
    if (!this.paused || !this.sub.running) return;
    this.paused = false;
    this.queue.length = 0;
    this.catchUp();
    this.stand();
  }

  /** The leader's subscription ended for good (a token refused, a channel deleted): so does every tab's. */
  finish(status, info) {
    const sub = this.sub;
    if (status === 'closed') sub.closed(info.channel ?? null, info.error ?? null);
    else sub.end(status, info);
  }

  /** The subscription ends (close(), signal, or an ending status): let go of everything. */
  close() {
    const w = this.sub.window;
    w?.document?.removeEventListener?.('freeze', this.onFreeze);
    w?.document?.removeEventListener?.('resume', this.onResume);
    w?.removeEventListener?.('pagehide', this.onFreeze);
    w?.removeEventListener?.('pageshow', this.onPageShow);
    this.stepDown();
    this.election.close();
    this.channel.onmessage = null;
    try {
      this.channel.close();
    } catch {
      // Closed already.
    }
    this.caughtUp?.();
  }
}

// One subscription: where it starts, its loop over the transport in use, what a failure calls for, and the
// delivery of each message exactly once. The transports (./transports/) call back into it.

// Each runs its transport until the transport changes or the subscription ends, or for one attempt.
const runners = { websocket: runWebSocket, sse: runSse, longpoll: runPoll, poll: runPoll, iframe: runIframe };

class Subscription {
  // `hooks` is for the share's own inner subscription: `cursor()` is told of every change of cursor.
  constructor(channels, options, hooks = null) {
    const o = { ...DEFAULTS, ...options };
    this.o = o;
    this.hooks = hooks;
    this.channels = channels;
    this.base = baseOf(o.url ?? o.baseUrl);
    this.fetch = o.fetch ?? globalThis.fetch?.bind(globalThis);
    this.EventSource = o.EventSource === undefined ? globalThis.EventSource : o.EventSource;
    this.WebSocket = o.WebSocket === undefined ? globalThis.WebSocket : o.WebSocket;
    this.window = o.window ?? (typeof window === 'undefined' ? undefined : window);
    this.clock = { ...systemClock, ...o.clock };
    this.policy = createRetryPolicy(o, o.random ?? Math.random);
    this.storage = o.storage === true ? globalThis.sessionStorage : o.storage || null;
    this.storageKey = o.storageKey ?? `hark:cursor:${this.base}/sub/${channels.join(',')}`;
    // Who this subscriber is for presence: sent on every request (and the socket's subscribe frame).
    this.client = clientOf(o.client);

    const location = this.window?.location ?? globalThis.location;
    if (!isAbsolute(this.base) && !location) {
      throw new TypeError('hark: pass an absolute url (such as http://127.0.0.1:8090) outside a browser');
    }
    this.serverUrl = new URL(this.base || '/', location?.href ?? this.base);
    this.serverOrigin = this.serverUrl.origin;
    this.pageOrigin = location?.origin ?? null;

    // Throws for a transport this environment does not have; `auto` starts with what worked here before.
    chooseTransport(this, o.transport ?? 'auto');

    // Where to start: a cursor kept by an earlier page wins over the one passed in.
    this.cursor = null;
    this.start = null; // 'oldest' or 'now' until a real cursor is known
    const stored = readItem(this.storage, this.storageKey);
    const given = stored ?? o.cursor ?? null;
    if (given === 'oldest' || given === 'now') this.start = given;
    else if (given) this.cursor = String(given);
    this.fromStorage = stored !== null;
    this.last = o.last ?? null;

    // The newest message delivered per channel, so a transport that replays cannot deliver twice.
    this.seen = new Map();
    const position = channels.length === 1 ? epochOf(this.cursor) : null;
    if (position) this.seen.set(channels[0], position);

    this.status = 'connecting';
    this.running = true;
    this.inflight = null; // AbortController of the one request in flight
    this.wake = null; // ends the current wait early
    this.stopStream = null; // ends the current EventSource, frame or socket
    this.answered = false;
    this.grant = null; // the authorization hook's grant for this subscription, sent back on every request

    let resolveReady;
    this.ready = new Promise((resolve) => {
      resolveReady = resolve;
    });
    this.resolveReady = resolveReady;

    const self = this;
    this.handle = {
      get cursor() {
        return self.cursor;
      },
      get status() {
        return self.status;
      },
      get transport() {
        return self.transport;
      },
      get role() {
        return self.share?.role ?? null;
      },
      client: this.client,
      channels: [...channels],
      ready: this.ready,
      close: () => this.end('stopped'),
    };

    if (stopOnAbort(o.signal, () => this.end('stopped'))) {
      return;
    }
    this.onOnline = () => {
      if (this.status === 'reconnecting' && this.lastFailure === 'network') this.wake?.();
    };
    this.window?.addEventListener?.('online', this.onOnline);

    // With `share`, one tab of the origin holds the connection for every tab that subscribes alike.
    this.share = canShare(this) ? new Share(this, (opts, innerHooks) => new Subscription(channels, opts, innerHooks)) : null;

    this.emitStatus('connecting');
    // Start after the caller has the handle, so callbacks can use it.
    Promise.resolve().then(() => this.run()).catch((error) => {
      if (!this.running) return;
      const failure = error instanceof HarkError ? error : new HarkError(String(error?.message ?? error), { type: 'bad-response', cause: error });
      this.emitError(failure);
      this.end('failed', { error: failure });
    });
  }

  async run() {
    if (this.share) {
      this.share.run();
      return;
    }
    while (this.running) await runners[this.transport](this);
  }

  /** Decides what a failure calls for; waits and returns true to try again, or ends and returns false. */
  async recover(error) {
    if (!this.running) return false;
    const kind = classify(error);
    if (kind === 'network' || kind === 'server') {
      const delay = kind === 'network' ? this.policy.afterNetworkError() : this.policy.afterServerError(error.retryAfter);
      error.willRetry = true;
      this.lastFailure = kind;
      this.emitError(error);
      this.emitStatus('reconnecting', { delay, error });
      await sleep(this, delay);
      return this.running;
    }
    if (error.type === 'invalid-grant' && this.grant) {
      // A grant from another deployment's key (or damaged): drop it, and the server asks the hook again.
      this.grant = null;
      return this.running;
    }
    if (kind === 'failed' && error.type === 'invalid-cursor' && this.fromStorage) {
      // A kept cursor the server no longer accepts: start over as if none was kept, and say so.
      this.fromStorage = false;
      removeItem(this.storage, this.storageKey);
      this.cursor = null;
      this.seen.clear();
      const given = this.o.cursor ?? null;
      if (given === 'oldest' || given === 'now') this.start = given;
      else if (given) this.cursor = String(given);
      this.emitGap({ cursor: this.cursor, gaps: this.channels.map((channel) => ({ channel, reason: 'reset' })) });
      return this.running;
    }
    this.emitError(error);
    if (kind === 'expired') this.end('expired', { error });
    else if (kind === 'closed') this.closed(this.closedChannel(error), error);
    else this.end('failed', { error });
    return false;
  }

  closedChannel(error) {
    if (this.channels.length === 1) return this.channels[0];
    // A 410 names the deleted channel as a member of its problem.
    const named = error?.problem?.channel;
    return named && this.channels.includes(named) ? named : null;
  }

  // ---------------------------------------------------------------- delivery

  /** Delivers a batch: its gap first, then its messages, then its cursor. */
  accept(batch) {
    if (batch.gap) this.emitGap({ cursor: batch.cursor ?? null, gaps: Array.isArray(batch.gaps) ? batch.gaps : [] });
    for (const message of batch.messages) {
      if (!this.running) return;
      this.deliver(message);
    }
    if (this.running && typeof batch.cursor === 'string' && batch.cursor) this.setCursor(batch.cursor);
  }

  /** Whether a message is well formed and after the newest one delivered on its channel. */
  isNew(message) {
    if (!message || typeof message !== 'object' || typeof message.seq !== 'number' || typeof message.channel !== 'string') {
      return false;
    }
    const position = this.channels.length === 1 ? epochOf(message.cursor) : null;
    const last = this.seen.get(message.channel);
    return !(last && message.seq <= last.seq && (!position || !last.epoch || position.epoch === last.epoch));
  }

  /** Calls onMessage unless the message was delivered already; true when it was delivered now. */
  deliver(message) {
    if (!this.running || !this.isNew(message)) return false;
    const position = this.channels.length === 1 ? epochOf(message.cursor) : null;
    this.seen.set(message.channel, { seq: message.seq, epoch: position?.epoch ?? null });
    if (typeof message.cursor === 'string') this.setCursor(message.cursor);
    this.call('onMessage', message);
    return true;
  }

  emitGap(gap) {
    for (const g of gap.gaps) {
      // After a reset the channel's sequence starts again at 1: forget what was seen of it.
      if (g && g.reason === 'reset') this.seen.delete(g.channel);
    }
    this.call('onGap', gap);
  }

  setCursor(cursor) {
    if (cursor === this.cursor) return;
    this.cursor = cursor;
    this.start = null;
    this.last = null;
    if (this.storage) writeItem(this.storage, this.storageKey, cursor);
    this.hooks?.cursor?.(cursor);
  }

  // ---------------------------------------------------------------- status

  live() {
    if (this.status !== 'live') this.emitStatus('live');
    rememberTransport(this);
  }

  closed(channel, error = null) {
    if (!this.running) return;
    removeItem(this.storage, this.storageKey);
    this.call('onClosed', channel);
    this.end('closed', { channel, error });
  }

  end(status, info = {}) {
    if (!this.running) return;
    this.running = false;
    this.inflight?.abort();
    this.inflight = null;
    this.wake?.();
    this.stopStream?.();
    this.share?.close();
    this.window?.removeEventListener?.('online', this.onOnline);
    this.emitStatus(status, info);
    this.resolveReady(null);
  }

  emitStatus(status, info = {}) {
    this.status = status;
    const o = this.o;
    if (typeof o.onStatus !== 'function') return;
    try {
      o.onStatus(status, info);
    } catch (error) {
      reportUncaught(error);
    }
  }

  emitError(error) {
    if (typeof this.o.onError === 'function') this.call('onError', error);
  }

  call(name, value) {
    callHandler(this.o, name, value);
  }
}

// Presence (docs/protocol.md, "Presence"): who is on a channel, kept up to date. It reads the list
// (GET /pub/{channel}/presence), then follows the joins and leaves on the companion channel ~presence.{channel}
// from the cursor the list came with, so none after the list is missed; after a gap it reads the list again.

const ENDING = ['expired', 'closed', 'failed'];

class Presence {
  constructor(channel, options) {
    if (typeof channel !== 'string' || channel.length === 0) throw new TypeError('hark: presence needs a channel name');
    const o = { ...DEFAULTS, ...options };
    this.o = o;
    this.channel = channel;
    this.base = baseOf(o.url ?? o.baseUrl);
    this.fetch = o.fetch ?? globalThis.fetch?.bind(globalThis);
    if (typeof this.fetch !== 'function') throw new TypeError('hark: fetch is not available here');
    this.clock = { ...systemClock, ...o.clock };
    this.policy = createRetryPolicy(o, o.random ?? Math.random);
    this.limit = o.limit ?? null;
    this.present = new Map(); // client id → entry, earliest first
    this.unlisted = 0; // present but beyond the list's limit
    this.status = 'connecting';
    this.running = true;
    this.loaded = false;
    this.sub = null; // the companion subscription in use
    this.inflight = null;
    this.wake = null;
    let resolveReady;
    this.ready = new Promise((resolve) => {
      resolveReady = resolve;
    });
    this.resolveReady = resolveReady;

    const self = this;
    this.handle = {
      channel,
      get clients() {
        return [...self.present.values()].map((e) => ({ ...e }));
      },
      get count() {
        return self.present.size + self.unlisted;
      },
      get status() {
        return self.status;
      },
      get cursor() {
        return self.sub?.cursor ?? self.cursor ?? null;
      },
      has: (client) => self.present.has(client),
      get: (client) => {
        const e = self.present.get(client);
        return e ? { ...e } : null;
      },
      ready: this.ready,
      close: () => this.end('stopped'),
    };

    if (stopOnAbort(o.signal, () => this.end('stopped'))) {
      return;
    }
    this.emitStatus('connecting');
    Promise.resolve().then(() => this.load());
  }

  /** Reads the list (retrying by the policy), applies it, and follows the companion channel from its cursor. */
  async load() {
    while (this.running) {
      let snapshot;
      try {
        snapshot = await this.read();
      } catch (error) {
        if (await this.recover(error)) continue;
        return;
      }
      if (!this.running) return;
      this.policy.succeeded();
      this.apply(snapshot);
      this.follow(snapshot.cursor);
      return;
    }
  }

  async read() {
    const o = this.o;
    let token = null;
    try {
      token = typeof o.token === 'function' ? await o.token() : o.token ?? null;
    } catch (cause) {
      throw new HarkError(`The token function failed: ${cause?.message ?? cause}`, { status: 401, type: 'token', cause });
    }
    const q = new URLSearchParams();
    if (this.limit !== null) q.set('limit', String(this.limit));
    // The grant the companion subscription was given stands for the hook's answer about this channel too.
    if (this.grant) q.set('grant', this.grant);
    const url = `${this.base}/pub/${encodeURIComponent(this.channel)}/presence${q.size ? `?${q}` : ''}`;
    const headers = { Accept: 'application/json' };
    const bearer = o.key ?? token;
    if (bearer) headers.Authorization = `Bearer ${bearer}`;
    const controller = new AbortController();
    this.inflight = controller;
    let timedOut = false;
    const timer = this.clock.setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, o.requestTimeout, 'request-timeout');
    try {
      let response;
      try {
        response = await this.fetch(url, { headers, signal: controller.signal, cache: 'no-store' });
      } catch (cause) {
        throw timedOut
          ? new HarkError(`No answer within ${o.requestTimeout} ms`, { type: 'timeout', cause })
          : new HarkError(`Network error: ${cause?.message ?? cause}`, { type: 'network', cause });
      }
      if (!response.ok) throw await errorFrom(response);
      const body = parseJson(await response.text());
      if (!body || !Array.isArray(body.clients) || typeof body.count !== 'number' || typeof body.cursor !== 'string') {
        throw new HarkError(`${response.status}: the answer is not a presence list`, { status: response.status, type: 'bad-response' });
      }
      return body;
    } finally {
      this.clock.clearTimeout(timer);
      if (this.inflight === controller) this.inflight = null;
    }
  }

  /** Waits and returns true to read again, or ends and returns false. */
  async recover(error) {
    if (!this.running) return false;
    const kind = error.type === 'token' ? 'expired' : classify(error);
    if (kind === 'network' || kind === 'server') {
      const delay = kind === 'network' ? this.policy.afterNetworkError() : this.policy.afterServerError(error.retryAfter);
      error.willRetry = true;
      this.call('onError', error);
      this.emitStatus('reconnecting', { delay, error });
      await this.sleep(delay);
      return this.running;
    }
    if (error.type === 'invalid-grant' && this.grant) {
      this.grant = null;
      return this.running;
    }
    this.call('onError', error);
    this.end(kind === 'expired' ? 'expired' : 'failed', { error });
    return false;
  }

  /** Takes a list: the first as it is; a later one (after a gap) as the joins and leaves it differs by. */
  apply(snapshot) {
    const before = this.present;
    const after = new Map();
    for (const c of snapshot.clients) {
      if (c && typeof c.client === 'string') after.set(c.client, entry(c, c.since));
    }
    this.present = after;
    this.unlisted = Math.max(0, snapshot.count - after.size);
    this.cursor = snapshot.cursor;
    if (this.loaded) {
      for (const [id, e] of before) if (!after.has(id)) this.call('onLeave', { ...e, reason: 'unknown' });
      for (const [id, e] of after) if (!before.has(id)) this.call('onJoin', { ...e });
    }
    this.loaded = true;
    this.call('onChange', this.handle);
    this.resolveReady(snapshot.cursor);
  }

  follow(cursor) {
    const o = this.o;
    let sub = null;
    sub = new Subscription([`~presence.${this.channel}`], {
      ...o,
      cursor,
      last: undefined,
      client: null,
      storage: false,
      signal: undefined,
      onMessage: (m) => this.event(m),
      onGap: () => this.sub === sub && this.resync(),
      onStatus: (status, info) => this.sub === sub && this.followed(status, info),
      onClosed: () => {},
      onError: (e) => this.sub === sub && this.call('onError', e),
      onRole: null,
    });
    this.sub = sub;
  }

  followed(status, info) {
    if (this.sub?.grant) this.grant = this.sub.grant;
    if (status === 'live' || status === 'reconnecting') this.emitStatus(status, info);
    else if (status === 'closed') this.resync(); // the companion was deleted: start over from a new list
    else if (ENDING.includes(status)) this.end(status, info);
  }

  /** Something was missed: read the list again, and follow from its cursor. */
  resync() {
    const sub = this.sub;
    this.sub = null;
    if (sub) {
      this.grant = sub.grant ?? this.grant;
      sub.end('stopped');
    }
    if (this.running) Promise.resolve().then(() => this.load());
  }

  event(message) {
    const d = message.data;
    if (!d || typeof d !== 'object' || typeof d.client !== 'string') return;
    const known = this.present.get(d.client);
    if (message.event === 'join') {
      if (known) {
        // Joined already (the list was read after this join): only what it says now.
        known.user = d.user ?? null;
        known.transport = d.transport ?? known.transport;
      } else if (this.limit !== null && this.present.size >= this.limit) {
        this.unlisted += 1;
        this.call('onJoin', entry(d, message.time));
      } else {
        const e = entry(d, message.time);
        this.present.set(d.client, e);
        this.call('onJoin', { ...e });
      }
    } else if (message.event === 'leave') {
      if (known) {
        this.present.delete(d.client);
        this.call('onLeave', { ...known, reason: d.reason ?? null });
      } else if (this.unlisted > 0) {
        this.unlisted -= 1;
        this.call('onLeave', { ...entry(d, null), reason: d.reason ?? null });
      } else {
        return; // left before the list was read
      }
    } else {
      return;
    }
    this.call('onChange', this.handle);
  }

  sleep(ms) {
    return new Promise((resolve) => {
      const id = this.clock.setTimeout(() => {
        this.wake = null;
        resolve();
      }, ms, 'retry');
      this.wake = () => {
        this.clock.clearTimeout(id);
        this.wake = null;
        resolve();
      };
    });
  }

  end(status, info = {}) {
    if (!this.running) return;
    this.running = false;
    this.inflight?.abort();
    this.wake?.();
    const sub = this.sub;
    this.sub = null;
    sub?.end('stopped');
    this.emitStatus(status, info);
    this.resolveReady(null);
  }

  emitStatus(status, info = {}) {
    if (this.status === status && status === 'live') return;
    this.status = status;
    this.call('onStatus', status, info);
  }

  call(name, ...args) {
    callHandler(this.o, name, ...args);
  }
}

function entry(d, since) {
  return { client: d.client, user: d.user ?? null, transport: d.transport ?? null, since: since ?? null };
}

/**
 * Publishes one message to a channel: a string is sent as text, anything else as JSON. Resolves with
 * `{channel, seq, cursor, subscribers}`; rejects with a HarkError when the server refuses.
 */
async function publish(channel, data, options = {}) {
  if (typeof channel !== 'string' || channel.length === 0) throw new TypeError('hark: publish needs a channel name');
  if (data === undefined) throw new TypeError('hark: publish needs data');
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const q = options.event ? `?event=${encodeURIComponent(options.event)}` : '';
  const text = typeof data === 'string';
  const headers = { 'Content-Type': text ? 'text/plain; charset=utf-8' : 'application/json' };
  if (options.key) headers.Authorization = `Bearer ${options.key}`;
  let response;
  try {
    response = await doFetch(`${baseOf(options.url ?? options.baseUrl)}/pub/${encodeURIComponent(channel)}${q}`, {
      method: 'POST', headers, body: text ? data : JSON.stringify(data), signal: options.signal,
    });
  } catch (error) {
    throw new HarkError(`Network error: ${error?.message ?? error}`, { type: 'network', cause: error });
  }
  if (!response.ok) throw await errorFrom(response);
  return response.json();
}

// Hark browser client: subscribe to channels over WebSocket, Server-Sent Events, long-poll, plain polling or a
// forever-iframe, resuming from the cursor after any interruption; follow who is on a channel; and publish. An ES module with no
// dependencies, for modern browsers (and Node 18+ for fetch-based transports). See docs/client-js.md.

const VERSION = '1.2.0';

/**
 * Subscribes to one or more channels and calls `onMessage` with every message exactly once, in order,
 * resuming from the cursor after any interruption. Returns a handle with `cursor`, `status`,
 * `transport`, `ready` and `close()`.
 */
function subscribe(channels, options = {}) {
  return new Subscription(channelList(channels), options).handle;
}

/**
 * Who is on a channel that tracks presence, kept up to date: reads the list, then follows the joins and leaves
 * from its cursor (reading the list again after a gap). Returns a handle with `clients`, `count`, `has()`,
 * `status`, `ready` and `close()`.
 */
function presence(channel, options = {}) {
  return new Presence(channel, options).handle;
}

export { HarkError, VERSION, clientId, createRetryPolicy, presence, publish, subscribe };
