// Sharing one subscription between the tabs of an origin (`share: true`): the tabs that subscribe to the same
// channels on the same server with the same token and transport elect a leader (./election.js), which alone holds
// a connection and passes every message, gap, cursor and status to the others over a BroadcastChannel.
//
// Nothing is lost or repeated across a change of leader: each relayed message carries the cursor the leader was at
// before it (`from`); a follower takes it only when that is its own cursor, and otherwise first catches up with a
// plain poll from its own cursor. Every tab drops what it has delivered already (by seq), so a new leader simply
// resumes from its own cursor.
import { HarkError } from './errors.js';
import { LockElection, ChannelElection } from './election.js';
import { get, subUrl } from './requests.js';

const ENDING = ['expired', 'closed', 'failed'];

/** A short, stable name for what the tabs must agree on; the token is hashed, never written out. */
export function shareKey(sub) {
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
export function canShare(sub) {
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
export class Share {
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
    } else if (ENDING.includes(status)) {
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
      else if (ENDING.includes(data.status)) this.finish(data.status, { channel: data.info?.channel ?? null, error: fromWire(data.info?.error) });
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
