// One subscription: where it starts, its loop over the transport in use, what a failure calls for, and the
// delivery of each message exactly once. The transports (./transports/) call back into it.
import { HarkError, callHandler, classify } from './errors.js';
import { createRetryPolicy } from './retry.js';
import { chooseTransport, rememberTransport } from './transports/choice.js';
import { runIframe } from './transports/iframe.js';
import { runPoll } from './transports/poll.js';
import { runSse } from './transports/sse.js';
import { runWebSocket } from './transports/websocket.js';
import { DEFAULTS, baseOf, clientOf, epochOf, isAbsolute, readItem, removeItem, reportUncaught, stopOnAbort, systemClock, writeItem } from './util.js';
import { sleep } from './requests.js';
import { Share, canShare } from './share.js';

// Each runs its transport until the transport changes or the subscription ends, or for one attempt.
const runners = { websocket: runWebSocket, sse: runSse, longpoll: runPoll, poll: runPoll, iframe: runIframe };

export class Subscription {
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
