// Hark browser client: subscribe to channels over Server-Sent Events, long-poll, plain polling or a
// forever-iframe, resuming from the cursor after any interruption; and publish. An ES module with no
// dependencies, for modern browsers (and Node 18+ for fetch-based transports). See docs/client-js.md.

export const VERSION = '1.0.0';

const TRANSPORTS = ['auto', 'sse', 'longpoll', 'poll', 'iframe'];
const ENDED = ['expired', 'closed', 'failed', 'stopped'];
const PROBLEM_PREFIX = 'urn:hark:problem:';

const DEFAULTS = {
  timeout: 25,
  interval: 5000,
  requestTimeout: 15000,
  retryDelay: 500,
  maxRetryDelay: 30000,
  serverErrorDelay: 5000,
  maxServerErrorDelay: 120000,
};

/** A failed request or a refused subscription. */
export class HarkError extends Error {
  constructor(message, { status = 0, type = 'network', problem = null, retryAfter = null, cause } = {}) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'HarkError';
    /** The HTTP status, or 0 when no answer came (network error, timeout). */
    this.status = status;
    /** The problem type without its `urn:hark:problem:` prefix, or `network`, `timeout`, `bad-response`, `http`, `callback`, `token`. */
    this.type = type;
    /** The parsed RFC 9457 problem body, when the server sent one. */
    this.problem = problem;
    /** `Retry-After` in milliseconds, when the server sent one. */
    this.retryAfter = retryAfter;
    /** Whether the subscription will try again after this error. */
    this.willRetry = false;
  }
}

// ------------------------------------------------------------------------------------------ helpers

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

function retryAfterMs(response) {
  const value = response.headers.get('retry-after');
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - Date.now());
}

function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

async function errorFrom(response) {
  let text = '';
  try {
    text = await response.text();
  } catch {
    // The status says enough.
  }
  const body = parseJson(text);
  const problem = body && typeof body === 'object' && typeof body.type === 'string' ? body : null;
  const type = problem && problem.type.startsWith(PROBLEM_PREFIX) ? problem.type.slice(PROBLEM_PREFIX.length) : 'http';
  const title = problem?.title ?? (response.statusText || 'HTTP error');
  const detail = problem?.detail ? `: ${problem.detail}` : '';
  return new HarkError(`${response.status} ${title}${detail}`, {
    status: response.status, type, problem, retryAfter: retryAfterMs(response),
  });
}

// What a failure calls for: try again soon, try again much later, or end the subscription.
function classify(error) {
  const s = error.status;
  if (s === 0 || s === 408) return 'network';
  // A 403 for the iframe's origin is the server's configuration, not the subscriber's token.
  if (s === 401 || (s === 403 && error.type !== 'origin-not-allowed')) return 'expired';
  if (s === 410) return 'closed';
  if (s >= 500 || s === 429 || (s >= 200 && s < 300)) return 'server';
  return 'failed';
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

/**
 * Waits after failures: a network error or timeout starts at about `retryDelay` and doubles to
 * `maxRetryDelay`; a server error (5xx, 429) starts at `serverErrorDelay` and doubles to
 * `maxServerErrorDelay`, never shorter than its `Retry-After` (but never past that cap). Each wait is
 * jittered by ±25% so that clients cut off together do not come back together.
 */
export function createRetryPolicy(options = {}, random = Math.random) {
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

// ------------------------------------------------------------------------------------------ subscribe

/**
 * Subscribes to one or more channels and calls `onMessage` with every message exactly once, in order,
 * resuming from the cursor after any interruption. Returns a handle with `cursor`, `status`,
 * `transport`, `ready` and `close()`.
 */
export function subscribe(channels, options = {}) {
  return new Subscription(channelList(channels), options).handle;
}

class Subscription {
  constructor(channels, options) {
    const o = { ...DEFAULTS, ...options };
    if (!TRANSPORTS.includes(o.transport ?? 'auto')) {
      throw new TypeError(`hark: unknown transport '${o.transport}' (use ${TRANSPORTS.join(', ')})`);
    }
    this.o = o;
    this.channels = channels;
    this.base = baseOf(o.url ?? o.baseUrl);
    this.fetch = o.fetch ?? globalThis.fetch?.bind(globalThis);
    this.EventSource = o.EventSource === undefined ? globalThis.EventSource : o.EventSource;
    this.window = o.window ?? (typeof window === 'undefined' ? undefined : window);
    this.clock = { ...systemClock, ...o.clock };
    this.policy = createRetryPolicy(o, o.random ?? Math.random);
    this.storage = o.storage === true ? globalThis.sessionStorage : o.storage || null;
    this.storageKey = o.storageKey ?? `hark:cursor:${this.base}/sub/${channels.join(',')}`;

    const location = this.window?.location ?? globalThis.location;
    if (!isAbsolute(this.base) && !location) {
      throw new TypeError('hark: pass an absolute url (such as http://127.0.0.1:8090) outside a browser');
    }
    this.serverOrigin = new URL(this.base || '/', location?.href ?? this.base).origin;
    this.pageOrigin = location?.origin ?? null;

    let transport = o.transport ?? 'auto';
    if (transport === 'auto') transport = this.EventSource ? 'sse' : 'longpoll';
    if (transport === 'sse' && !this.EventSource) throw new TypeError('hark: EventSource is not available here');
    if (transport === 'iframe' && !this.window?.document) throw new TypeError('hark: the iframe transport needs a document');
    if (transport !== 'iframe' && !this.fetch) throw new TypeError('hark: fetch is not available here');
    this.transport = transport;
    this.fallback = (o.transport ?? 'auto') === 'auto';

    // Where to start: a cursor kept by an earlier page wins over the one passed in.
    this.cursor = null;
    this.start = null; // 'oldest' or 'now' until a real cursor is known
    this.fromStorage = false;
    const stored = this.readStorage();
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
    this.stopStream = null; // ends the current EventSource or frame
    this.answered = false;

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
      channels: [...channels],
      ready: this.ready,
      close: () => this.end('stopped'),
    };

    if (o.signal) {
      if (o.signal.aborted) {
        this.end('stopped');
        return;
      }
      o.signal.addEventListener('abort', () => this.end('stopped'), { once: true });
    }
    this.onOnline = () => {
      if (this.status === 'reconnecting' && this.lastFailure === 'network') this.wake?.();
    };
    this.window?.addEventListener?.('online', this.onOnline);

    this.emitStatus('connecting');
    // Start after the caller has the handle, so callbacks can use it.
    Promise.resolve().then(() => this.run()).catch((error) => {
      if (!this.running) return;
      const failure = error instanceof HarkError ? error : new HarkError(String(error?.message ?? error), { type: 'bad-response', cause: error });
      this.emitError(failure);
      this.end('failed', { error: failure });
    });
  }

  // ---------------------------------------------------------------- the loop

  async run() {
    while (this.running) {
      const t = this.transport;
      if (t === 'longpoll' || t === 'poll') await this.poll(t);
      else if (t === 'sse') await this.sse();
      else await this.iframe();
    }
  }

  async poll(mode) {
    while (this.running && this.transport === mode) {
      // The first request answers at once, so the subscription is live (and its cursor known) quickly.
      const hold = mode === 'longpoll' && this.answered ? this.o.timeout : 0;
      const started = this.clock.now();
      let batch;
      try {
        batch = await this.get(this.subUrl({ timeout: hold, transport: mode === 'poll' ? 'poll' : null, max: this.o.max }), hold * 1000 + this.o.requestTimeout);
      } catch (error) {
        if (!(await this.recover(error))) return;
        continue;
      }
      if (!this.running) return;
      const empty = !batch.gap && batch.messages.length === 0;
      const early = hold > 0 && empty && this.clock.now() - started < Math.min(1000, hold * 500);
      this.answered = true;
      this.live();
      this.accept(batch);
      this.resolveReady(this.cursor);
      if (early) {
        // An empty answer long before the timeout (a server shutting down, say) must not become a busy loop.
        await this.sleep(this.policy.afterNetworkError());
        continue;
      }
      this.policy.succeeded();
      const full = batch.messages.length >= (this.o.max ?? 100);
      if (mode === 'poll' && !full && this.running) await this.sleep(this.o.interval, 'interval');
    }
  }

  async sse() {
    // One plain poll first: it delivers what is already there, learns the cursor (an EventSource does not
    // expose the stream's opening id:), and turns a 401/410 into a clear answer before the stream opens.
    if (!this.cursor) {
      try {
        const batch = await this.get(this.subUrl({ timeout: 0 }), this.o.requestTimeout);
        if (!this.running) return;
        this.accept(batch);
      } catch (error) {
        await this.recover(error);
        return;
      }
    }
    const outcome = await this.openStream();
    if (!this.running || outcome.stopped) return;
    await this.afterStream(outcome);
  }

  async iframe() {
    const outcome = await this.openFrame();
    if (!this.running || outcome.stopped) return;
    await this.afterStream(outcome);
  }

  /** A stream (EventSource or frame) ended: reconnect, after finding out why when it never opened. */
  async afterStream({ opened, lasted, delivered, url }) {
    if (opened) {
      // A stream that carried something or stayed up a while was a success; one that drops at once is not.
      if (delivered || lasted >= 5000) this.policy.succeeded();
      await this.recover(new HarkError('The stream ended', { type: 'network' }));
      return;
    }
    // Neither EventSource nor a frame tells why it failed: ask the same URL and read the status.
    let contentType;
    try {
      contentType = await this.probe(url);
    } catch (error) {
      await this.recover(error);
      return;
    }
    const expected = this.transport === 'sse' ? 'text/event-stream' : 'text/html';
    if (contentType.startsWith(expected)) {
      await this.recover(new HarkError('The stream could not be opened', { type: 'network' }));
    } else if (this.fallback && this.transport === 'sse') {
      // Something between here and the server answers event streams with something else: long-poll instead.
      this.transport = 'longpoll';
    } else {
      await this.recover(new HarkError(`The stream was answered with ${contentType || 'no content type'}`, { status: 200, type: 'bad-response' }));
    }
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
      await this.sleep(delay);
      return this.running;
    }
    if (kind === 'failed' && error.type === 'invalid-cursor' && this.fromStorage) {
      // A kept cursor the server no longer accepts: start over as if none was kept, and say so.
      this.fromStorage = false;
      this.removeStorage();
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
    const named = /'([^']+)'/.exec(error?.problem?.detail ?? '');
    return named && this.channels.includes(named[1]) ? named[1] : null;
  }

  // ---------------------------------------------------------------- requests

  subUrl({ timeout = null, transport = null, max = null, envelope = false, token = false, origin = null } = {}) {
    const q = new URLSearchParams();
    if (this.cursor) q.set('cursor', this.cursor);
    else if (this.start === 'oldest') q.set('cursor', 'oldest');
    else if (this.last) q.set('last', String(this.last));
    if (timeout !== null) q.set('timeout', String(timeout));
    if (transport) q.set('transport', transport);
    if (max) q.set('max', String(max));
    if (envelope) q.set('envelope', '1');
    if (origin) q.set('origin', origin);
    if (token && this.token) q.set('token', this.token);
    return `${this.base}/sub/${this.channels.map(encodeURIComponent).join(',')}?${q}`;
  }

  /** Reads the token (a function is called each time); false when it threw, which ends the subscription. */
  async resolveToken() {
    const t = this.o.token;
    try {
      this.token = typeof t === 'function' ? await t() : t ?? null;
      return this.running;
    } catch (cause) {
      const error = new HarkError(`The token function failed: ${cause?.message ?? cause}`, { type: 'token', cause });
      this.emitError(error);
      this.end('expired', { error });
      return false;
    }
  }

  /** Asks a stream's URL and hangs up once the headers are in: its content type, or a HarkError. */
  async probe(url) {
    const response = await this.request(url, this.o.requestTimeout, (r) => {
      const type = r.headers.get('content-type') ?? '';
      r.body?.cancel().catch(() => {});
      return type;
    });
    return response;
  }

  /** One subscribe request (never two at once): the parsed batch, or a HarkError. */
  get(url, timeoutMs) {
    return this.request(url, timeoutMs, async (response) => {
      const batch = parseJson(await response.text());
      if (!batch || !Array.isArray(batch.messages) || typeof batch.cursor !== 'string') {
        throw new HarkError(`${response.status}: the answer is not a Hark batch`, { status: response.status, type: 'bad-response' });
      }
      return batch;
    });
  }

  async request(url, timeoutMs, read) {
    if (!(await this.resolveToken())) throw new HarkError('Stopped', { type: 'network' });
    const controller = new AbortController();
    this.inflight = controller;
    let timedOut = false;
    const timer = this.clock.setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs, 'request-timeout');
    try {
      const headers = { Accept: 'application/json' };
      if (this.token) headers.Authorization = `Bearer ${this.token}`;
      try {
        const response = await this.fetch(url, { headers, signal: controller.signal });
        if (!response.ok) throw await errorFrom(response);
        return await read(response);
      } catch (error) {
        if (error instanceof HarkError) throw error;
        throw timedOut
          ? new HarkError(`No answer within ${timeoutMs} ms`, { type: 'timeout', cause: error })
          : new HarkError(`Network error: ${error?.message ?? error}`, { type: 'network', cause: error });
      }
    } finally {
      this.clock.clearTimeout(timer);
      if (this.inflight === controller) this.inflight = null;
    }
  }

  /** Waits `ms` (`reason` is 'retry' or 'interval'; a test clock may use it), or less when woken or stopped. */
  sleep(ms, reason = 'retry') {
    return new Promise((resolve) => {
      if (!this.running) return resolve();
      const id = this.clock.setTimeout(() => {
        this.wake = null;
        resolve();
      }, ms, reason);
      this.wake = () => {
        this.clock.clearTimeout(id);
        this.wake = null;
        resolve();
      };
    });
  }

  // ---------------------------------------------------------------- streams

  openStream() {
    return new Promise((resolve) => {
      this.resolveToken().then((ok) => {
        if (!ok) return resolve({ stopped: true });
        const url = this.subUrl({ transport: 'sse', envelope: true, token: true });
        const source = new this.EventSource(url);
        let opened = false;
        let openedAt = 0;
        let delivered = false;
        let done = false;
        const finish = (outcome) => {
          if (done) return;
          done = true;
          source.close();
          if (this.stopStream === stop) this.stopStream = null;
          resolve({ ...outcome, url, opened, delivered, lasted: opened ? this.clock.now() - openedAt : 0 });
        };
        const stop = () => finish({ stopped: true });
        this.stopStream = stop;
        source.onopen = () => {
          if (done) return;
          opened = true;
          openedAt = this.clock.now();
          this.live();
          this.resolveReady(this.cursor);
        };
        // With envelope=1 every message arrives as an unnamed event carrying the whole message object.
        source.onmessage = (event) => {
          if (done) return;
          const message = parseJson(event.data);
          if (!this.deliver(message)) return;
          delivered = true;
        };
        source.addEventListener('gap', (event) => {
          if (done) return;
          const gap = parseJson(event.data);
          if (!gap || !Array.isArray(gap.gaps)) return;
          this.accept({ gap: true, gaps: gap.gaps, cursor: gap.cursor ?? event.lastEventId, messages: [] });
        });
        source.addEventListener('closed', (event) => {
          if (done) return;
          const data = parseJson(event.data);
          finish({ stopped: true });
          this.closed(data?.channel ?? null);
        });
        // The browser's own reconnect would resume with Last-Event-ID but hide 401/410/503 from us and keep
        // its own pace; close it and reconnect with our cursor and our retry policy.
        source.onerror = () => finish({});
      });
    });
  }

  openFrame() {
    return new Promise((resolve) => {
      const win = this.window;
      const doc = win.document;
      const frame = doc.createElement('iframe');
      let opened = false;
      let openedAt = 0;
      let delivered = false;
      let done = false;
      let url = null;
      const onMessage = (event) => {
        // Only what our own frame posts, from the server's origin.
        if (done || event.source !== frame.contentWindow || event.origin !== this.serverOrigin) return;
        const data = event.data;
        if (!data || typeof data !== 'object') return;
        if (typeof data.seq === 'number') {
          if (this.deliver(data)) delivered = true;
        } else if (data.gap === true) {
          this.accept({ gap: true, gaps: data.gaps, cursor: data.cursor, messages: [] });
        } else if (data.closed === true) {
          finish({ stopped: true });
          this.closed(data.channel ?? null);
        } else if (typeof data.cursor === 'string') {
          opened = true;
          openedAt = this.clock.now();
          this.setCursor(data.cursor);
          this.live();
          this.resolveReady(this.cursor);
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
        if (this.stopStream === stop) this.stopStream = null;
        resolve({ ...outcome, url, opened, delivered, lasted: opened ? this.clock.now() - openedAt : 0 });
      };
      const stop = () => finish({ stopped: true });
      this.stopStream = stop;
      this.resolveToken().then((ok) => {
        if (done) return;
        if (!ok) return stop();
        const origin = this.pageOrigin && this.pageOrigin !== this.serverOrigin ? this.pageOrigin : null;
        frame.setAttribute('aria-hidden', 'true');
        frame.setAttribute('tabindex', '-1');
        frame.title = 'hark';
        frame.style.display = 'none';
        win.addEventListener('message', onMessage);
        frame.addEventListener('load', onLoad);
        url = this.subUrl({ transport: 'iframe', token: true, origin });
        frame.src = url;
        (doc.body ?? doc.documentElement).appendChild(frame);
      });
    });
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

  /** Calls onMessage unless the message was delivered already; true when it was delivered now. */
  deliver(message) {
    if (!this.running || !message || typeof message !== 'object' || typeof message.seq !== 'number' || typeof message.channel !== 'string') {
      return false;
    }
    const position = this.channels.length === 1 ? epochOf(message.cursor) : null;
    const last = this.seen.get(message.channel);
    if (last && message.seq <= last.seq && (!position || !last.epoch || position.epoch === last.epoch)) return false;
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
    if (!this.storage) return;
    try {
      this.storage.setItem(this.storageKey, cursor);
    } catch {
      // Storage full or denied: resuming within this page still works.
    }
  }

  readStorage() {
    if (!this.storage) return null;
    try {
      return this.storage.getItem(this.storageKey) || null;
    } catch {
      return null;
    }
  }

  removeStorage() {
    try {
      this.storage?.removeItem(this.storageKey);
    } catch {
      // Nothing to do.
    }
  }

  // ---------------------------------------------------------------- status

  live() {
    if (this.status !== 'live') this.emitStatus('live');
  }

  closed(channel, error = null) {
    if (!this.running) return;
    this.removeStorage();
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
    const fn = this.o[name];
    if (typeof fn !== 'function') return;
    try {
      fn(value);
    } catch (error) {
      // A throwing callback must not stop the subscription nor make a message be delivered again.
      if (name !== 'onError' && typeof this.o.onError === 'function') {
        try {
          this.o.onError(new HarkError(`${name} threw: ${error?.message ?? error}`, { type: 'callback', cause: error }));
          return;
        } catch {
          // Fall through to the page's error reporting.
        }
      }
      reportUncaught(error);
    }
  }
}

// ------------------------------------------------------------------------------------------ publish

/**
 * Publishes one message to a channel: a string is sent as text, anything else as JSON. Resolves with
 * `{channel, seq, cursor, subscribers}`; rejects with a HarkError when the server refuses.
 */
export async function publish(channel, data, options = {}) {
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
