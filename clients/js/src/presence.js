// Presence (docs/protocol.md, "Presence"): who is on a channel, kept up to date. It reads the list
// (GET /pub/{channel}/presence), then follows the joins and leaves on the companion channel ~presence.{channel}
// from the cursor the list came with, so none after the list is missed; after a gap it reads the list again.
import { HarkError, callHandler, classify, errorFrom } from './errors.js';
import { createRetryPolicy } from './retry.js';
import { Subscription } from './subscription.js';
import { DEFAULTS, baseOf, parseJson, stopOnAbort, systemClock } from './util.js';

const ENDING = ['expired', 'closed', 'failed'];

export class Presence {
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
