// Presence against a real Hark server (room.* tracked, a one-second grace): the `client` id each transport sends,
// the page's default id, and `presence()` reading the list, following joins and leaves from its cursor, taking a
// join it has already seen or a leave of a client it never saw as no change, and reading the list again after a gap.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { subscribe, presence, clientId } from '../hark.js';
import { haveServer, startServer, until, channel, recorder, TestEventSource, TestWebSocket } from './helpers.js';

describe('presence against a real Hark server', { skip: haveServer ? false : 'Hark.Server is not built (run scripts/test.sh)' }, () => {
  let server;
  let url;
  const handles = [];
  const open = (channels, options) => {
    const handle = subscribe(channels, { url, timeout: 5, EventSource: TestEventSource, WebSocket: TestWebSocket, ...options });
    handles.push(handle);
    return handle;
  };
  const watch = (c, options) => {
    const handle = presence(c, { url, timeout: 5, EventSource: TestEventSource, WebSocket: TestWebSocket, ...options });
    handles.push(handle);
    return handle;
  };
  const list = async (c) => {
    const response = await fetch(`${url}/pub/${c}/presence`);
    assert.equal(response.status, 200, await response.clone().text());
    return response.json();
  };
  const ids = (p) => p.clients.map((c) => c.client).sort();

  before(async () => {
    server = await startServer('Hark:Presence:Channels:0=room.*', 'Hark:Presence:Grace=00:00:01', 'Hark:History:MaxMessages=5',
      'Hark:Limits:NewSubscriptionsPerSecond=1000');
    url = server.url;
  });

  after(async () => {
    for (const h of handles) h.close();
    await server?.stop();
  });

  const wire = { longpoll: 'longpoll', poll: 'poll', sse: 'sse', websocket: 'ws' };
  for (const transport of Object.keys(wire)) {
    test(`${transport}: names its client id, and is listed under it`, async () => {
      const c = channel('room.');
      const h = open(c, { transport, interval: 50, client: `me-${transport}` });
      assert.equal(h.client, `me-${transport}`);
      await h.ready;
      await until(async () => (await list(c)).count === 1, 'the subscriber is listed');
      const body = await list(c);
      assert.equal(body.clients[0].client, `me-${transport}`);
      // A poll is present between its polls; an SSE subscription's first poll may be what the list saw.
      if (transport === 'websocket') assert.equal(body.clients[0].transport, 'ws');
      if (transport === 'longpoll') assert.ok(['poll', 'longpoll'].includes(body.clients[0].transport), 'its first poll answers at once');
      h.close();
    });
  }

  test('by default a subscription names the page id; null names none', async () => {
    const [c1, c2] = [channel('room.'), channel('room.')];
    assert.match(clientId, /^p-[0-9a-f]{18}$/);
    const a = open(c1, { transport: 'longpoll' });
    const b = open(c2, { transport: 'longpoll', client: null });
    assert.equal(a.client, clientId);
    assert.equal(b.client, null);
    await Promise.all([a.ready, b.ready]);
    await until(async () => (await list(c1)).count === 1, 'the default id is listed');
    assert.equal((await list(c1)).clients[0].client, clientId);
    assert.equal((await list(c2)).count, 0);
    assert.throws(() => subscribe(c1, { url, client: 'has space' }), TypeError);
  });

  test('presence(): the list, then joins and leaves as they happen, with their reasons', async () => {
    const c = channel('room.');
    const early = open(c, { transport: 'websocket', client: 'early' });
    await until(async () => (await list(c)).count === 1, 'the early client is listed');
    const joins = [];
    const leaves = [];
    const p = watch(c, { transport: 'websocket', onJoin: (e) => joins.push(e), onLeave: (e) => leaves.push(e) });
    await p.ready;
    assert.deepEqual(ids(p), ['early']);
    assert.equal(p.count, 1);
    assert.equal(p.get('early').transport, 'ws');
    assert.match(p.get('early').since, /^\d{4}-\d\d-\d\dT/);

    const ws = open(c, { transport: 'websocket', client: 'sock' });
    const poll = open(c, { transport: 'longpoll', client: 'poller' });
    await until(() => p.count === 3, 'two joins arrive');
    assert.deepEqual(ids(p), ['early', 'poller', 'sock']);
    assert.deepEqual(joins.map((j) => j.client).sort(), ['poller', 'sock']);
    assert.equal(p.status, 'live');

    ws.close();
    await until(() => !p.has('sock'), 'the socket leaves at once');
    assert.equal(leaves[0].client, 'sock');
    assert.equal(leaves[0].reason, 'closed');
    poll.close();
    await until(() => !p.has('poller'), 'the long-poll leaves once its grace has passed');
    assert.equal(leaves[1].reason, 'expired');
    early.close();
    await until(() => p.count === 0, 'everyone has left');
    assert.deepEqual(p.clients, []);
    p.close();
    assert.equal(p.status, 'stopped');
  });

  test('presence(): on every transport of its own', async () => {
    for (const transport of ['longpoll', 'sse', 'poll']) {
      const c = channel('room.');
      const p = watch(c, { transport, interval: 50 });
      await p.ready;
      assert.equal(p.count, 0);
      const h = open(c, { transport: 'websocket', client: `x-${transport}` });
      await until(() => p.has(`x-${transport}`), `${transport}: the join arrives`);
      h.close();
      await until(() => p.count === 0, `${transport}: the leave arrives`);
      p.close();
    }
  });

  test('presence(): a join already in the list and a leave before it change nothing', async () => {
    const c = channel('room.');
    const a = open(c, { transport: 'websocket', client: 'a' });
    const b = open(c, { transport: 'websocket', client: 'b' });
    await until(async () => (await list(c)).count === 2, 'both are listed');
    b.close();
    await until(async () => (await list(c)).count === 1, 'b has left');
    // Start from a cursor before a's join and b's leave: both come again, after a list that already says so.
    const changes = [];
    const joins = [];
    const leaves = [];
    const stale = (input, init) => {
      if (!String(input).includes('/presence')) return fetch(input, init);
      return fetch(input, init).then(async (r) => {
        const body = await r.json();
        return new Response(JSON.stringify({ ...body, cursor: body.cursor.replace(/:\d+$/, ':0') }), { status: 200 });
      });
    };
    const p = watch(c, { transport: 'longpoll', fetch: stale, onChange: (x) => changes.push(x.count), onJoin: (e) => joins.push(e), onLeave: (e) => leaves.push(e) });
    await p.ready;
    await until(() => p.cursor && !p.cursor.endsWith(':0'), 'the history is read');
    assert.deepEqual(ids(p), ['a']);
    assert.equal(p.count, 1);
    assert.deepEqual(joins.map((j) => j.client), ['b'], 'only b was new to it');
    assert.deepEqual(leaves.map((l) => l.client), ['b']);
    a.close();
    await until(() => p.count === 0, 'a leaves');
    p.close();
  });

  test('presence(): after a gap it reads the list again and reports the difference', async () => {
    const c = channel('room.');
    let cut = false;
    let lists = 0;
    const flaky = (input, init) => {
      if (cut) return Promise.reject(new TypeError('cut on purpose'));
      if (String(input).includes('/presence')) lists += 1;
      return fetch(input, init);
    };
    const joins = [];
    const leaves = [];
    const p = watch(c, { transport: 'longpoll', fetch: flaky, retryDelay: 20, maxRetryDelay: 40, onJoin: (e) => joins.push(e.client), onLeave: (e) => leaves.push(e) });
    await p.ready;
    const stay = open(c, { transport: 'websocket', client: 'stays' });
    await until(() => p.has('stays'), 'the first join arrives');
    cut = true;
    // More joins and leaves than the companion's history keeps (5) while the watcher cannot read.
    for (let i = 0; i < 4; i++) {
      const h = open(c, { transport: 'websocket', client: `brief${i}` });
      await h.ready;
      await until(async () => (await list(c)).clients.some((x) => x.client === `brief${i}`), `brief${i} is listed`);
      h.close();
      await until(async () => !(await list(c)).clients.some((x) => x.client === `brief${i}`), `brief${i} has left`);
    }
    const late = open(c, { transport: 'websocket', client: 'late' });
    await until(async () => (await list(c)).count === 2, 'late is listed');
    cut = false;
    await until(() => p.has('late'), 'the list is read again');
    assert.deepEqual(ids(p), ['late', 'stays']);
    assert.equal(lists, 2, 'the gap made it read the list again');
    assert.ok(joins.includes('late'));
    // What came and went unseen is not reported; one seen to join (before the cut took) is seen to leave.
    for (const j of joins.filter((x) => x.startsWith('brief'))) assert.ok(leaves.some((l) => l.client === j), `${j} left`);
    assert.equal(p.status, 'live');
    stay.close();
    late.close();
    p.close();
  });

  test('presence(): a channel that does not track presence fails with presence-off', async () => {
    const errors = [];
    const p = watch(channel('other.'), { onError: (e) => errors.push(e) });
    assert.equal(await p.ready, null);
    assert.equal(p.status, 'failed');
    assert.equal(errors[0].type, 'presence-off');
    assert.equal(errors[0].status, 404);
  });

  test('presence(): limit lists fewer and still counts all', async () => {
    const c = channel('room.');
    const hs = ['l1', 'l2', 'l3'].map((client) => open(c, { transport: 'websocket', client }));
    await until(async () => (await list(c)).count === 3, 'three are listed');
    const p = watch(c, { transport: 'longpoll', limit: 1 });
    await p.ready;
    assert.equal(p.clients.length, 1);
    assert.equal(p.count, 3);
    const unlisted = hs.find((h) => h.client !== p.clients[0].client);
    unlisted.close();
    await until(() => p.count === 2, 'a leave of an unlisted client still counts');
    assert.equal(p.clients.length, 1);
    for (const h of hs) h.close();
    p.close();
  });
});
