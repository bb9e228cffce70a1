// The client against a real Hark server: delivery on each transport, resuming with nothing lost or repeated,
// gaps, 410 and closed on delete, one long-poll at a time, `auto` falling back when the server serves no
// WebSocket, and the module served at /hark.js.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { subscribe, publish } from '../hark.js';
import { haveServer, startServer, until, channel, recorder, TestEventSource, TestWebSocket } from './helpers.js';

describe('against a real Hark server', { skip: haveServer ? false : 'Hark.Server is not built (run scripts/test.sh)' }, () => {
  let server;
  let url;
  const handles = [];
  const open = (channels, options) => {
    const handle = subscribe(channels, { url, timeout: 5, EventSource: TestEventSource, WebSocket: TestWebSocket, ...options });
    handles.push(handle);
    return handle;
  };
  const seqs = (r) => r.messages.map((m) => m.seq);
  const range = (from, to) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

  before(async () => {
    server = await startServer('Hark:History:MaxMessages=5', 'Hark:Limits:NewSubscriptionsPerSecond=1000');
    url = server.url;
  });

  after(async () => {
    for (const h of handles) h.close();
    await server?.stop();
  });

  for (const transport of ['longpoll', 'poll', 'sse', 'websocket']) {
    test(`${transport}: delivers each message once, in order, with the protocol's fields`, async () => {
      const c = channel();
      const r = recorder();
      const h = open(c, { transport, interval: 50, EventSource: TestEventSource, ...r.options });
      const start = await h.ready;
      assert.match(start, /^.+:0$/, 'the cursor of an empty channel is known as soon as the subscription is live');
      assert.equal(h.status, 'live');
      await publish(c, { n: 1 }, { url });
      await publish(c, 'two', { url, event: 'note' });
      await publish(c, [3], { url });
      await until(() => r.messages.length >= 3, 'three messages arrive');
      assert.deepEqual(seqs(r), [1, 2, 3]);
      assert.deepEqual(r.messages.map((m) => m.data), [{ n: 1 }, 'two', [3]]);
      assert.equal(r.messages[1].event, 'note');
      assert.equal(r.messages[0].channel, c);
      assert.match(r.messages[0].time, /^\d{4}-\d\d-\d\dT/);
      assert.equal(h.cursor, r.messages[2].cursor);
      assert.equal(h.transport, transport);
      h.close();
      assert.equal(h.status, 'stopped');
      assert.deepEqual(r.states(), ['connecting', 'live', 'stopped']);
    });
  }

  test('several channels: one subscription, each channel in order, resumable from the token', async () => {
    const [a, b] = [channel(), channel()];
    const r = recorder();
    const h = open([a, b], { transport: 'longpoll', ...r.options });
    await h.ready;
    await publish(a, 'a1', { url });
    await publish(b, 'b1', { url });
    await publish(a, 'a2', { url });
    await until(() => r.messages.length >= 3, 'three messages arrive');
    h.close();
    await publish(b, 'b2', { url });
    const r2 = recorder();
    open([a, b], { transport: 'longpoll', cursor: h.cursor, ...r2.options });
    await until(() => r2.messages.length >= 1, 'the resumed subscription gets b2');
    assert.deepEqual(r.messages.map((m) => m.data), ['a1', 'b1', 'a2']);
    assert.deepEqual(r2.messages.map((m) => m.data), ['b2']);
  });

  test('resumes across a forced interruption with nothing lost and nothing repeated', async () => {
    const c = channel();
    const r = recorder();
    let cut = false;
    let requests = 0;
    const flaky = (input, init) => {
      requests += 1;
      if (cut) return Promise.reject(new TypeError('fetch failed (cut on purpose)'));
      return fetch(input, init);
    };
    const h = open(c, { transport: 'longpoll', fetch: flaky, retryDelay: 20, maxRetryDelay: 40, ...r.options });
    await h.ready;
    await publish(c, 1, { url });
    await until(() => r.messages.length === 1, 'the first message arrives');
    cut = true;
    const before = requests;
    await until(() => requests >= before + 1, 'a request fails while the network is cut');
    // The held long-poll at the cut answers with #2; later ones fail until the network is back.
    await publish(c, 2, { url });
    await publish(c, 3, { url });
    await until(() => r.states().includes('reconnecting'), 'the client is reconnecting');
    await publish(c, 4, { url });
    cut = false;
    await until(() => r.messages.length >= 4, 'all four messages arrive');
    await publish(c, 5, { url });
    await until(() => r.messages.length >= 5, 'the fifth arrives live');
    assert.deepEqual(seqs(r), [1, 2, 3, 4, 5]);
    assert.deepEqual(r.gaps, []);
    assert.equal(r.errors.every((e) => e.willRetry && e.type === 'network'), true);
    assert.equal(h.status, 'live');
  });

  test('websocket: resumes from its cursor after the socket drops and while it cannot reconnect, nothing lost or repeated', async () => {
    const c = channel();
    const r = recorder();
    let cut = false;
    let refused = 0;
    const sockets = new Set();
    const frames = [];
    // While cut, every new socket goes to a port nothing listens on; cutting closes the open ones.
    class CuttableSocket extends TestWebSocket {
      constructor(u) {
        super(cut ? String(u).replace(/:\d+\//, ':1/') : u);
        if (cut) refused += 1;
        sockets.add(this);
      }

      send(data) {
        frames.push(JSON.parse(data));
        super.send(data);
      }
    }
    const h = open(c, { transport: 'websocket', WebSocket: CuttableSocket, retryDelay: 20, maxRetryDelay: 40, serverErrorDelay: 20, maxServerErrorDelay: 40, ...r.options });
    await until(() => h.status === 'live', 'the socket is subscribed');
    const start = h.cursor;
    await publish(c, 1, { url });
    await until(() => r.messages.length === 1, 'the first message arrives');
    cut = true;
    for (const socket of sockets) socket.close();
    await until(() => refused >= 2, 'two sockets fail while cut');
    for (const n of [2, 3, 4]) await publish(c, n, { url });
    cut = false;
    await until(() => r.messages.length >= 4, 'the missed messages arrive');
    await publish(c, 5, { url });
    await until(() => r.messages.length >= 5, 'the fifth arrives live');
    assert.deepEqual(seqs(r), [1, 2, 3, 4, 5]);
    assert.deepEqual(r.gaps, []);
    const subscribes = frames.filter((f) => f.type === 'subscribe');
    assert.equal(subscribes[0].cursor, undefined, 'the first socket starts from now');
    assert.equal(subscribes.at(-1).cursor, r.messages[0].cursor, 'the socket after the cut resumes from the last message delivered');
    assert.match(start, /^.+:0$/);
    assert.ok(r.errors.some((e) => e.type === 'upgrade-failed'), 'a socket that did not open was explained by asking /ws over HTTP');
    assert.equal(h.status, 'live');
  });

  test('a transport that replays old messages cannot deliver them twice', async () => {
    const c = channel();
    const r = recorder();
    let first = null;
    // After the first delivery, every request asks again from the very first cursor, as a replaying
    // transport (or a stale proxy) might: the client must drop what it already delivered.
    const replaying = (input, init) => {
      const u = new URL(input);
      if (first && u.searchParams.has('cursor')) u.searchParams.set('cursor', first);
      return fetch(u, init);
    };
    const h = open(c, { transport: 'poll', interval: 20, fetch: replaying, ...r.options });
    first = await h.ready;
    await publish(c, 'a', { url });
    await until(() => r.messages.length >= 1, 'a arrives');
    await publish(c, 'b', { url });
    await until(() => r.messages.length >= 2, 'b arrives');
    await new Promise((resolve) => setTimeout(resolve, 150)); // several more replaying polls
    assert.deepEqual(r.messages.map((m) => m.data), ['a', 'b']);
  });

  test('a closed subscription resumes from handle.cursor, and from sessionStorage-like storage', async () => {
    const c = channel();
    const store = new Map();
    const storage = { getItem: (k) => store.get(k) ?? null, setItem: (k, v) => store.set(k, v), removeItem: (k) => store.delete(k) };
    const r1 = recorder();
    const h1 = open(c, { transport: 'longpoll', storage, ...r1.options });
    await h1.ready;
    await publish(c, 1, { url });
    await until(() => r1.messages.length === 1, 'the first message arrives');
    h1.close();
    assert.equal([...store.values()][0], h1.cursor);
    await publish(c, 2, { url });
    await publish(c, 3, { url });
    // "A page reload": a new subscription with the same storage and no cursor resumes where h1 stopped.
    const r2 = recorder();
    const h2 = open(c, { transport: 'longpoll', storage, ...r2.options });
    await until(() => r2.messages.length >= 2, 'the missed messages arrive');
    assert.deepEqual(seqs(r2), [2, 3]);
    assert.deepEqual(r2.gaps, []);
    h2.close();
  });

  test('cursor "oldest" and last=N replay the history', async () => {
    const c = channel();
    for (const n of [1, 2, 3]) await publish(c, n, { url });
    const oldest = recorder();
    const last = recorder();
    open(c, { transport: 'longpoll', cursor: 'oldest', ...oldest.options });
    const socketOldest = recorder();
    const socketLast = recorder();
    open(c, { transport: 'sse', EventSource: TestEventSource, last: 2, ...last.options });
    open(c, { transport: 'websocket', cursor: 'oldest', ...socketOldest.options });
    open(c, { transport: 'websocket', last: 1, ...socketLast.options });
    await until(() => oldest.messages.length >= 3 && last.messages.length >= 2 && socketOldest.messages.length >= 3 && socketLast.messages.length >= 1, 'the history arrives');
    assert.deepEqual(seqs(oldest), [1, 2, 3]);
    assert.deepEqual(seqs(last), [2, 3]);
    assert.deepEqual(seqs(socketOldest), [1, 2, 3]);
    assert.deepEqual(seqs(socketLast), [3]);
  });

  test('messages evicted from history are reported as a gap, then the rest arrives', async () => {
    const c = channel();
    const now = (await (await fetch(`${url}/sub/${c}?timeout=0`)).json()).cursor;
    for (let n = 1; n <= 8; n++) await publish(c, n, { url }); // the history keeps 5
    for (const transport of ['longpoll', 'sse', 'websocket']) {
      const r = recorder();
      const h = open(c, { transport, cursor: now, EventSource: TestEventSource, ...r.options });
      await until(() => r.messages.length >= 5, `${transport}: the kept messages arrive`);
      assert.equal(r.gaps.length, 1);
      assert.deepEqual(r.gaps[0].gaps, [{ channel: c, reason: 'evicted', missed: 3 }]);
      assert.deepEqual(seqs(r), [4, 5, 6, 7, 8]);
      h.close();
    }
  });

  test('deleting the channel ends a long-poll with status closed (410)', async () => {
    const c = channel();
    await publish(c, 'x', { url });
    const r = recorder();
    const h = open(c, { transport: 'longpoll', ...r.options });
    await h.ready;
    await until(async () => (await (await fetch(`${url}/pub/${c}`)).json()).subscribers === 1, 'the long-poll is held');
    const deleted = await fetch(`${url}/pub/${c}`, { method: 'DELETE' });
    assert.equal(deleted.status, 204);
    await until(() => h.status === 'closed', 'the subscription is closed');
    assert.deepEqual(r.closed, [c]);
    assert.equal(r.errors[0].status, 410);
    assert.equal(r.errors[0].type, 'channel-closed');
    assert.deepEqual(r.states(), ['connecting', 'live', 'closed']);
  });

  test('deleting the channel ends an SSE subscription with status closed (event: closed)', async () => {
    const c = channel();
    await publish(c, 'x', { url });
    const r = recorder();
    const h = open(c, { transport: 'sse', EventSource: TestEventSource, ...r.options });
    await h.ready;
    await until(() => h.status === 'live', 'the stream is open');
    await until(async () => (await (await fetch(`${url}/pub/${c}`)).json()).subscribers === 1, 'the stream waits');
    await fetch(`${url}/pub/${c}`, { method: 'DELETE' });
    await until(() => h.status === 'closed', 'the subscription is closed');
    assert.deepEqual(r.closed, [c]);
  });

  test('deleting the channel ends a websocket subscription with status closed (a closed frame)', async () => {
    const [a, b] = [channel(), channel()];
    await publish(a, 'x', { url });
    const r = recorder();
    const h = open([a, b], { transport: 'websocket', ...r.options });
    await h.ready;
    await fetch(`${url}/pub/${a}`, { method: 'DELETE' });
    await until(() => h.status === 'closed', 'the subscription is closed');
    assert.deepEqual(r.closed, [a]);
    assert.deepEqual(r.errors, []);
  });

  test('auto: a server that serves no WebSocket (Hark:WebSocket:Enabled=false) is subscribed over SSE, every message once', async () => {
    const plain = await startServer('Hark:WebSocket:Enabled=false');
    try {
      const c = channel();
      const r = recorder();
      const store = new Map();
      const transportStorage = { getItem: (k) => store.get(k) ?? null, setItem: (k, v) => store.set(k, v), removeItem: (k) => store.delete(k) };
      const h = subscribe(c, { url: plain.url, transport: 'auto', EventSource: TestEventSource, WebSocket: TestWebSocket, transportStorage, ...r.options });
      handles.push(h);
      await until(() => h.status === 'live', 'the subscription is live');
      assert.equal(h.transport, 'sse');
      for (const n of [1, 2, 3]) await publish(c, n, { url: plain.url });
      await until(() => r.messages.length >= 3, 'three messages arrive');
      assert.deepEqual(seqs(r), [1, 2, 3]);
      assert.equal(r.errors[0].status, 404, 'the socket failed and /ws is not there');
      assert.equal(JSON.parse(store.get(`hark:transport:${plain.url}`)).transport, 'sse');
      h.close();
    } finally {
      await plain.stop();
    }
  });

  test('a long-poll never overlaps itself: one request in flight per subscription', async () => {
    const c = channel();
    const r = recorder();
    let inFlight = 0;
    let most = 0;
    let requests = 0;
    const counting = async (input, init) => {
      inFlight += 1;
      requests += 1;
      most = Math.max(most, inFlight);
      try {
        const response = await fetch(input, init);
        const body = await response.text();
        return new Response(body, { status: response.status, headers: response.headers });
      } finally {
        inFlight -= 1;
      }
    };
    const h = open(c, { transport: 'longpoll', fetch: counting, ...r.options });
    await h.ready;
    for (let n = 1; n <= 20; n++) {
      await publish(c, n, { url });
      if (n % 5 === 0) await until(() => r.messages.length >= n, `${n} messages arrive`);
    }
    await until(() => r.messages.length >= 20, 'all messages arrive');
    assert.equal(most, 1);
    assert.ok(requests >= 2);
    assert.deepEqual(seqs(r), range(1, 20).slice(-20));
    h.close();
    await until(() => inFlight === 0, 'close() has aborted the held request', 500);
  });

  test('GET /hark.js and /hark.d.ts serve the files of clients/js, with an ETag', async () => {
    for (const [name, type] of [['hark.js', 'text/javascript; charset=utf-8'], ['hark.d.ts', 'application/typescript']]) {
      const response = await fetch(`${url}/${name}`);
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('content-type'), type);
      assert.equal(await response.text(), await readFile(new URL(`../${name}`, import.meta.url), 'utf8'), `${name} is the file in clients/js`);
      const etag = response.headers.get('etag');
      const again = await fetch(`${url}/${name}`, { headers: { 'If-None-Match': etag } });
      assert.equal(again.status, 304);
    }
  });
});
