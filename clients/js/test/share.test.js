// Sharing one subscription between tabs (`share: true`), against a real Hark server. Each "tab" is a subscription
// with its own BroadcastChannel class, its own view of a Web Locks stand-in and its own fetch, so a test can stop a
// tab the way a browser does when it closes one: its connections cut, its channel closed, its lock released, and
// none of its code run. Checked: one held connection for all the tabs, every message once in every tab, and a
// hand-over to another tab with nothing lost or repeated, by Web Lock and by the BroadcastChannel election.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { subscribe, publish, clientId } from '../hark.js';
import { haveServer, startServer, until, channel, recorder } from './helpers.js';
import { ChannelElection } from '../src/election.js';

/** The Web Locks API's exclusive locks, first come first served, with a per-tab view whose locks a test can drop. */
class LockManager {
  constructor() {
    this.names = new Map();
  }

  state(name) {
    if (!this.names.has(name)) this.names.set(name, { holder: null, queue: [] });
    return this.names.get(name);
  }

  view(tab) {
    return {
      request: (name, options, callback) => {
        if (typeof options === 'function') [callback, options] = [options, {}];
        return new Promise((resolve, reject) => {
          const entry = { tab, callback, resolve, reject, name };
          const state = this.state(name);
          options.signal?.addEventListener('abort', () => {
            const i = state.queue.indexOf(entry);
            if (i >= 0) {
              state.queue.splice(i, 1);
              reject(new DOMException('aborted', 'AbortError'));
            }
          });
          state.queue.push(entry);
          this.pump(name);
        });
      },
    };
  }

  pump(name) {
    const state = this.state(name);
    if (state.holder || state.queue.length === 0) return;
    const entry = state.queue.shift();
    state.holder = entry;
    const done = () => {
      if (state.holder !== entry) return;
      state.holder = null;
      this.pump(name);
    };
    entry.released = done;
    Promise.resolve()
      .then(() => entry.callback({ name, mode: 'exclusive' }))
      .then((value) => {
        done();
        entry.resolve(value);
      }, (error) => {
        done();
        entry.reject(error);
      });
  }

  /** What the browser does for a closed tab: its locks and its places in line go. */
  drop(tab) {
    for (const [name, state] of this.names) {
      state.queue = state.queue.filter((e) => e.tab !== tab);
      if (state.holder?.tab === tab) {
        state.holder.released();
        this.pump(name);
      }
    }
  }
}

/** A tab: its own BroadcastChannel instances, fetch and lock view, and `cut()` and `release()` to stop it without a word. */
function makeTab(locks, { held }) {
  const tab = { dead: false, channels: [], controllers: new Set() };
  tab.BroadcastChannel = class extends BroadcastChannel {
    constructor(name) {
      super(name);
      tab.channels.push(this);
    }

    // `tab.lose(data)` may drop what reaches this tab, as a relay that never arrives.
    set onmessage(fn) {
      super.onmessage = fn && ((event) => !tab.lose?.(event.data) && fn(event));
    }

    get onmessage() {
      return super.onmessage;
    }
  };
  tab.locks = locks ? locks.view(tab) : null;
  tab.fetch = async (url, init = {}) => {
    if (tab.dead) return new Promise(() => {}); // a dead tab's code never hears back
    const controller = new AbortController();
    init.signal?.addEventListener('abort', () => controller.abort(init.signal.reason));
    tab.controllers.add(controller);
    const holds = /[?&]timeout=[1-9]/.test(String(url));
    if (holds) held.count++;
    try {
      const response = await fetch(url, { ...init, signal: controller.signal });
      const text = await response.text();
      return new Response(text, { status: response.status, headers: response.headers });
    } finally {
      if (holds) held.count--;
      tab.controllers.delete(controller);
    }
  };
  // A tab that stops: its connections cut, its channel closed, none of its code run again. The browser lets go
  // of its lock when it is gone (`release`), which may come later.
  tab.cut = () => {
    tab.dead = true;
    for (const c of tab.controllers) c.abort();
    for (const c of tab.channels) c.close();
  };
  tab.release = () => locks?.drop(tab);
  return tab;
}

describe('sharing a subscription between tabs', { skip: haveServer ? false : 'Hark.Server is not built (run scripts/test.sh)' }, () => {
  let server;
  let url;
  const handles = [];
  const held = { count: 0 };

  const open = (c, tab, r, options = {}) => {
    const h = subscribe(c, {
      url,
      timeout: 5,
      transport: 'longpoll',
      share: true,
      BroadcastChannel: tab.BroadcastChannel,
      locks: tab.locks,
      fetch: tab.fetch,
      ...r.options,
      ...options,
    });
    handles.push(h);
    return h;
  };
  const seqs = (r) => r.messages.map((m) => m.seq);
  const range = (from, to) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

  before(async () => {
    server = await startServer('Hark:Limits:NewSubscriptionsPerSecond=1000', 'Hark:Presence:Channels:0=room.*', 'Hark:Presence:Grace=00:00:01');
    url = server.url;
  });

  after(async () => {
    for (const h of handles) h.close();
    await server?.stop();
  });

  async function handOver(locks, options = {}) {
    const c = channel();
    const tabs = Array.from({ length: 4 }, () => makeTab(locks, { held }));
    const rs = tabs.map(() => recorder());
    const hs = tabs.map((tab, i) => open(c, tab, rs[i], options));
    await Promise.all(hs.map((h) => h.ready));
    await until(() => hs.filter((h) => h.role === 'leader').length === 1 && hs.every((h) => h.role), 'one tab leads');
    await until(() => held.count === 1, 'the leader holds the one long-poll');

    for (let i = 1; i <= 5; i++) await publish(c, { i }, { url });
    await until(() => rs.every((r) => r.messages.length >= 5), 'every tab has five messages');
    assert.equal(held.count, 1, 'still one held connection for four tabs');

    // The leader's tab dies between two publishes, and more are published while no one leads.
    const first = hs.findIndex((h) => h.role === 'leader');
    tabs[first].cut();
    for (let i = 6; i <= 8; i++) await publish(c, { i }, { url });
    tabs[first].release();
    const rest = hs.filter((_, i) => i !== first);
    await until(() => rest.filter((h) => h.role === 'leader').length === 1, 'another tab leads');
    for (let i = 9; i <= 10; i++) await publish(c, { i }, { url });
    await until(() => rs.every((r, i) => i === first || r.messages.length >= 10), 'the other tabs have all ten');
    await until(() => held.count === 1, 'one held connection again');

    for (const [i, r] of rs.entries()) {
      if (i === first) continue;
      assert.deepEqual(seqs(r), range(1, 10), `tab ${i}: every message once, in order`);
      assert.deepEqual(r.gaps, []);
      assert.equal(r.states().at(-1), 'live');
    }
    assert.deepEqual(seqs(rs[first]), range(1, 5), 'the dead tab saw nothing after it died');
    for (const h of hs) h.close();
  }

  test('Web Locks: one connection for four tabs, and a dead leader handed over with nothing lost or repeated', async () => {
    await handOver(new LockManager());
  });

  test('BroadcastChannel election (no Web Locks): the same, once the dead leader stops beating', async () => {
    await handOver(null, { shareBeat: 100, shareClaim: 50 });
  });

  test('presence: tabs naming one client id share and are listed once; a tab naming another connects itself', async () => {
    const c = channel('room.');
    const locks = new LockManager();
    const tabs = [makeTab(locks, { held }), makeTab(locks, { held }), makeTab(locks, { held })];
    const [ha, hb, hc] = [open(c, tabs[0], recorder(), { client: 'alice' }), open(c, tabs[1], recorder(), { client: 'alice' }), open(c, tabs[2], recorder(), { client: 'bob' })];
    await Promise.all([ha.ready, hb.ready, hc.ready]);
    assert.equal(hc.role, 'leader', 'bob shares with nobody');
    await until(() => [ha, hb].filter((h) => h.role === 'leader').length === 1, 'one alice tab leads');
    const list = async () => (await (await fetch(`${url}/pub/${c}/presence`)).json()).clients.map((x) => x.client).sort();
    await until(async () => (await list()).join() === 'alice,bob', 'alice and bob are listed');
    // The tabs that keep the page's id share: the connection names it.
    const d = channel('room.');
    const [hd, he] = [open(d, tabs[0], recorder()), open(d, tabs[1], recorder())];
    await Promise.all([hd.ready, he.ready]);
    await until(() => [hd, he].filter((h) => h.role === 'leader').length === 1, 'one tab leads');
    const listD = async () => (await (await fetch(`${url}/pub/${d}/presence`)).json()).clients.map((x) => x.client);
    await until(async () => (await listD()).join() === clientId, 'the page id is listed');
    for (const h of [ha, hb, hc, hd, he]) h.close();
  });

  test('a tab that joins late starts where it asked (last: N) and then follows, each message once', async () => {
    const c = channel();
    const locks = new LockManager();
    for (let i = 1; i <= 3; i++) await publish(c, { i }, { url });
    const [a, b] = [makeTab(locks, { held }), makeTab(locks, { held })];
    const [ra, rb] = [recorder(), recorder()];
    const ha = open(c, a, ra);
    await ha.ready;
    await publish(c, { i: 4 }, { url });
    await until(() => ra.messages.length === 1, 'the first tab has the new message');
    const hb = open(c, b, rb, { last: 2 });
    await hb.ready;
    assert.equal(hb.role, 'follower');
    await publish(c, { i: 5 }, { url });
    await until(() => rb.messages.length >= 3 && ra.messages.length >= 2, 'both tabs have the fifth');
    assert.deepEqual(seqs(ra), [4, 5]);
    assert.deepEqual(seqs(rb), [3, 4, 5]);
    ha.close();
    hb.close();
  });

  test('a frozen leader hands over at once; when it resumes it catches up without repeats', async () => {
    const c = channel();
    const locks = new LockManager();
    const doc = new EventTarget();
    const win = Object.assign(new EventTarget(), { document: doc, location: new URL(url) });
    const [a, b] = [makeTab(locks, { held }), makeTab(locks, { held })];
    const [ra, rb] = [recorder(), recorder()];
    const ha = open(c, a, ra, { window: win });
    await until(() => ha.role === 'leader', 'the first tab leads');
    const hb = open(c, b, rb);
    await hb.ready;
    await publish(c, { i: 1 }, { url });
    await until(() => rb.messages.length === 1 && ra.messages.length === 1, 'both have the first');

    doc.dispatchEvent(new Event('freeze'));
    await until(() => hb.role === 'leader' && ha.role === 'follower', 'the other tab leads');
    await publish(c, { i: 2 }, { url });
    await until(() => rb.messages.length === 2, 'the new leader has the second');
    doc.dispatchEvent(new Event('resume'));
    await until(() => ra.messages.length === 2, 'the resumed tab caught up');
    await publish(c, { i: 3 }, { url });
    await until(() => ra.messages.length === 3 && rb.messages.length === 3, 'both have the third');
    assert.deepEqual(seqs(ra), [1, 2, 3]);
    assert.deepEqual(seqs(rb), [1, 2, 3]);
    ha.close();
    hb.close();
  });

  test('a follower that misses a relayed message catches up from its own cursor, then follows again', async () => {
    const c = channel();
    const locks = new LockManager();
    const [a, b] = [makeTab(locks, { held }), makeTab(locks, { held })];
    const [ra, rb] = [recorder(), recorder()];
    const ha = open(c, a, ra);
    await until(() => ha.role === 'leader', 'the first tab leads');
    const hb = open(c, b, rb);
    await hb.ready;
    let lost = 0;
    b.lose = (data) => data.t === 'msg' && data.message.seq === 2 && ++lost === 1;
    for (let i = 1; i <= 4; i++) await publish(c, { i }, { url });
    await until(() => ra.messages.length === 4 && rb.messages.length === 4, 'both have all four');
    assert.equal(lost, 1);
    assert.deepEqual(seqs(rb), [1, 2, 3, 4]);
    ha.close();
    hb.close();
  });

  test('different channels or tokens do not share; without a BroadcastChannel each tab has its own connection', async () => {
    const locks = new LockManager();
    const [c1, c2] = [channel(), channel()];
    const ha = open(c1, makeTab(locks, { held }), recorder());
    const hb = open(c2, makeTab(locks, { held }), recorder());
    const hc = open(c1, makeTab(locks, { held }), recorder(), { share: 'other-name' });
    await until(() => [ha, hb, hc].every((h) => h.role === 'leader'), 'each leads its own share');
    const none = open(c1, { ...makeTab(locks, { held }), BroadcastChannel: null }, recorder());
    await none.ready;
    assert.equal(none.role, null);
    for (const h of [ha, hb, hc, none]) h.close();
  });
});

describe('the BroadcastChannel election', () => {
  // Tabs on a bus that delivers to every other tab, and a clock the test moves by hand.
  function bus() {
    const tabs = [];
    const timers = new Set();
    const clock = {
      now: 0,
      setTimeout(fn, ms) {
        const t = { at: clock.now + ms, fn };
        timers.add(t);
        return t;
      },
      clearTimeout: (t) => timers.delete(t),
      advance(ms) {
        const end = clock.now + ms;
        for (;;) {
          const next = [...timers].filter((t) => t.at <= end).sort((x, y) => x.at - y.at)[0];
          if (!next) break;
          timers.delete(next);
          clock.now = next.at;
          next.fn();
        }
        clock.now = end;
      },
    };
    const add = (id) => {
      const tab = { id, led: 0, lost: 0, alive: true };
      tab.election = new ChannelElection((data) => {
        for (const other of tabs) if (other !== tab && other.alive && tab.alive) other.election.receive(structuredClone(data));
      }, clock, { id, beatMs: 100, claimMs: 20 });
      tabs.push(tab);
      tab.election.start(() => tab.led++, () => tab.lost++);
      return tab;
    };
    const leaders = () => tabs.filter((t) => t.alive && t.election.state === 'leader').map((t) => t.id);
    return { add, clock, leaders, tabs };
  }

  test('the lowest claimant leads; others follow while it beats', () => {
    const b = bus();
    b.add('c');
    b.add('a');
    b.add('b');
    b.clock.advance(1000);
    assert.deepEqual(b.leaders(), ['a']);
  });

  test('a tab that joins later follows the leader it hears, whatever its id', () => {
    const b = bus();
    b.add('m');
    b.clock.advance(500);
    b.add('a');
    b.clock.advance(1000);
    assert.deepEqual(b.leaders(), ['m']);
  });

  test('a leader that stops beating is replaced after three beats; one that resigns at once', () => {
    const b = bus();
    const [x, y, z] = [b.add('x'), b.add('y'), b.add('z')];
    b.clock.advance(500);
    assert.deepEqual(b.leaders(), ['x']);
    x.alive = false;
    b.clock.advance(150);
    assert.deepEqual(b.leaders(), [], 'no takeover before three beats are missed');
    b.clock.advance(300);
    assert.deepEqual(b.leaders(), ['y']);
    y.election.resign();
    b.clock.advance(30);
    assert.deepEqual(b.leaders(), ['z']);
  });

  test('two leaders after a split settle on the lower id, and the other is told it lost', () => {
    const b = bus();
    const [p, q] = [b.add('p'), b.add('q')];
    b.clock.advance(300);
    q.alive = false; // cut off: it claims and leads on its own
    b.clock.advance(400);
    q.alive = true;
    assert.deepEqual(b.leaders().sort(), ['p', 'q']);
    b.clock.advance(150);
    assert.deepEqual(b.leaders(), ['p']);
    assert.equal(q.lost, 1);
    assert.equal(p.lost, 0);
  });
});
