// The WebSocket transport against a server that misbehaves on purpose: Hark's close codes (4408 resumes, 1001
// reconnects, 4401/4403 expire, 4400 fails), error frames (a refused or ended subscription, retryAfter), gap and
// closed frames, sockets that never answer or go quiet, and `auto` moving on (and remembering it) when sockets
// cannot work here, but not when the server is simply down.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { WebSocketServer } from 'ws';
import { subscribe } from '../hark.js';
import { until, recorder, recordingClock, TestWebSocket } from './helpers.js';

const DAY = 24 * 60 * 60 * 1000;
const send = (ws, frame) => ws.send(JSON.stringify(frame));
const message = (seq) => ({ channel: 'c', seq, cursor: `e-1:${seq}`, time: '2026-01-01T00:00:00.000Z', data: seq });
const problem = (status, type) => ({ type: `urn:hark:problem:${type}`, title: type, status, detail: `refused: ${type}` });
const seqOf = (cursor) => (cursor ? Number(cursor.split(':')[1]) : 0);
const subscribed = (ws, f, cursor = `e-1:${seqOf(f.cursor)}`) => send(ws, { type: 'subscribed', id: f.id, channels: f.channels, cursor });

/** An HTTP server whose upgrades, socket frames and plain requests each test scripts. */
function socketServer() {
  const state = { upgrade: null, script: null, http: null, sockets: [], frames: [], urls: [], requests: [], connections: 0 };
  const wss = new WebSocketServer({ noServer: true });
  const server = http.createServer((req, res) => {
    res.setHeader('Connection', 'close');
    state.requests.push(req.url);
    const answer = state.http?.(req) ?? { status: 426, body: problem(426, 'upgrade-required') };
    if (answer === 'reset') return req.socket.destroy();
    if (answer === 'hang') return;
    res.writeHead(answer.status ?? 200, { 'Content-Type': answer.status ? 'application/problem+json' : 'application/json' });
    res.end(JSON.stringify(answer.body ?? {}));
  });
  server.on('upgrade', (req, socket, head) => {
    const n = state.connections++;
    state.urls.push(req.url);
    const refusal = state.upgrade?.(n);
    if (refusal === 'reset') return socket.destroy();
    if (refusal) return socket.end(`HTTP/1.1 ${refusal} Refused\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    wss.handleUpgrade(req, socket, head, (ws) => {
      state.sockets.push(ws);
      ws.on('message', (data) => {
        const frame = JSON.parse(String(data));
        state.frames.push({ socket: n, ...frame });
        state.script?.(ws, frame, n);
      });
    });
  });
  return { state, server };
}

describe('the websocket transport against a server that misbehaves on purpose', { timeout: 120000 }, () => {
  let fake;
  let url;
  const handles = [];
  const open = (options) => {
    const r = recorder();
    const clock = recordingClock();
    const handle = subscribe('c', { url, transport: 'websocket', WebSocket: TestWebSocket, EventSource: null, random: () => 0.5, clock, ...r.options, ...options });
    handles.push(handle);
    return { handle, r, retries: () => clock.waits.filter((w) => w.reason === 'retry').map((w) => w.ms) };
  };
  const subscribes = () => fake.state.frames.filter((f) => f.type === 'subscribe');
  const memory = (entries = []) => {
    const store = new Map(entries);
    return { store, getItem: (k) => store.get(k) ?? null, setItem: (k, v) => store.set(k, v), removeItem: (k) => store.delete(k) };
  };

  before(async () => {
    fake = socketServer();
    await new Promise((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${fake.server.address().port}`;
  });

  after(async () => {
    for (const h of handles) h.close();
    for (const ws of fake.state.sockets) ws.terminate();
    fake.server.closeAllConnections();
    await new Promise((resolve) => fake.server.close(resolve));
  });

  // Each test starts with no socket of the one before left open.
  const reset = async ({ upgrade = null, script = null, http: answer = null } = {}) => {
    for (const h of handles.splice(0)) h.close();
    for (const ws of fake.state.sockets) ws.terminate();
    await until(() => fake.state.sockets.every((ws) => ws.readyState === ws.CLOSED), 'the sockets of the test before have closed', 2000);
    Object.assign(fake.state, { upgrade, script, http: answer, sockets: [], frames: [], urls: [], requests: [], connections: 0 });
  };

  test('subscribes by a frame with its cursor and token; a 4408 (slow consumer) close resumes at once from the latest cursor', async () => {
    await reset({
      script: (ws, f, n) => {
        if (f.type !== 'subscribe') return;
        subscribed(ws, f);
        send(ws, message(seqOf(f.cursor) + 1));
        send(ws, message(seqOf(f.cursor) + 2));
        if (n < 2) ws.close(4408, 'urn:hark:problem:slow-consumer');
      },
    });
    const { handle, r, retries } = open({ token: 't0', cursor: 'e-1:0' });
    await until(() => r.messages.length >= 6, 'six messages over three sockets');
    assert.deepEqual(r.messages.map((m) => m.seq), [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(subscribes().map((f) => [f.cursor, f.token, f.channels]), [['e-1:0', 't0', ['c']], ['e-1:2', 't0', ['c']], ['e-1:4', 't0', ['c']]]);
    assert.ok(fake.state.urls.every((u) => u === '/ws'), 'the token stays out of the URL');
    assert.deepEqual(retries(), [500, 500], 'a socket that delivered was a success: the waits start over');
    assert.deepEqual(r.errors.map((e) => [e.status, e.type, e.willRetry]), [[408, 'slow-consumer', true], [408, 'slow-consumer', true]]);
    assert.deepEqual(r.states(), ['connecting', 'live', 'reconnecting', 'live', 'reconnecting', 'live']);
    assert.equal(handle.cursor, 'e-1:6');
  });

  for (const [code, type] of [[4401, 'invalid-token'], [4403, 'channel-forbidden']]) {
    test(`a ${code} close ends the subscription as expired, with no second socket`, async () => {
      await reset({ script: (ws, f) => f.type === 'subscribe' && (subscribed(ws, f), ws.close(code, `urn:hark:problem:${type}`)) });
      const { handle, r, retries } = open({});
      await until(() => handle.status === 'expired', 'expired');
      assert.deepEqual([r.errors[0].status, r.errors[0].type, r.errors[0].willRetry], [code - 4000, type, false]);
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(fake.state.connections, 1);
      assert.deepEqual(retries(), []);
    });
  }

  test('a refused subscribe frame means what the HTTP status means: 403 expires, 400 fails, with the problem', async () => {
    for (const [status, type, ending] of [[403, 'channel-forbidden', 'expired'], [400, 'invalid-cursor', 'failed']]) {
      await reset({ script: (ws, f) => f.type === 'subscribe' && send(ws, { type: 'error', id: f.id, problem: problem(status, type) }) });
      const { handle, r } = open({ cursor: 'e-1:9' });
      await until(() => handle.status === ending, ending);
      assert.equal(r.errors[0].problem.detail, `refused: ${type}`);
      assert.equal(await handle.ready, null);
      assert.equal(fake.state.connections, 1);
    }
  });

  test('a subscription the server ends (503 limit-reached, retryAfter) waits as told, then subscribes again from its cursor', async () => {
    await reset({
      script: (ws, f, n) => {
        if (f.type !== 'subscribe') return;
        subscribed(ws, f);
        send(ws, message(seqOf(f.cursor) + 1));
        if (n === 0) send(ws, { type: 'error', id: f.id, problem: problem(503, 'limit-reached'), retryAfter: 30 });
      },
    });
    const { r, retries } = open({ cursor: 'e-1:0' });
    await until(() => r.messages.length >= 2, 'a message before and one after');
    assert.deepEqual(retries(), [30000]);
    assert.deepEqual(subscribes().map((f) => f.cursor), ['e-1:0', 'e-1:1']);
    assert.deepEqual([r.errors[0].status, r.errors[0].retryAfter], [503, 30000]);
  });

  test('1001 (server stopping) reconnects; 4400 after an error frame fails with that problem', async () => {
    await reset({
      script: (ws, f, n) => {
        if (f.type !== 'subscribe') return;
        subscribed(ws, f);
        send(ws, message(seqOf(f.cursor) + 1));
        if (n === 0) ws.close(1001, 'server stopping');
        else {
          send(ws, { type: 'error', problem: problem(400, 'invalid-frame') });
          ws.close(4400, 'urn:hark:problem:invalid-frame');
        }
      },
    });
    const { handle, r } = open({ cursor: 'e-1:0' });
    await until(() => handle.status === 'failed', 'failed');
    assert.deepEqual(r.messages.map((m) => m.seq), [1, 2]);
    assert.deepEqual(r.errors.map((e) => [e.status, e.type, e.willRetry]), [[0, 'network', true], [400, 'invalid-frame', false]]);
    assert.equal(r.errors[1].problem.detail, 'refused: invalid-frame');
  });

  test('a gap frame comes before the messages after it; a closed frame ends the subscription', async () => {
    await reset({
      script: (ws, f) => {
        if (f.type !== 'subscribe') return;
        subscribed(ws, f);
        send(ws, { type: 'gap', id: f.id, cursor: 'e-1:3', gaps: [{ channel: 'c', reason: 'evicted', missed: 2 }] });
        send(ws, message(3));
        send(ws, { type: 'closed', id: f.id, channel: 'c' });
      },
    });
    const events = [];
    const { handle, r } = open({ cursor: 'e-1:0', onGap: () => events.push('gap'), onMessage: (m) => events.push(m.seq) });
    await until(() => handle.status === 'closed', 'closed');
    assert.deepEqual(events, ['gap', 3]);
    assert.deepEqual(r.closed, ['c']);
    assert.equal(fake.state.connections, 1);
  });

  test('a socket that never answers its subscribe frame, or stops answering pings, is given up and opened again', async () => {
    await reset({
      script: (ws, f, n) => {
        if (f.type === 'subscribe' && n > 0) subscribed(ws, f);
        if (f.type === 'ping' && n > 1) send(ws, { type: 'pong' });
      },
    });
    const { handle, r } = open({ timeout: 0.05, requestTimeout: 150 });
    await until(() => fake.state.frames.filter((f) => f.type === 'ping' && f.socket === 2).length >= 2, 'the third socket answers its pings');
    assert.equal(fake.state.connections, 3);
    assert.ok(fake.state.frames.some((f) => f.type === 'ping' && f.socket === 1), 'the quiet socket was pinged');
    assert.deepEqual(r.errors.map((e) => e.type), ['timeout', 'timeout']);
    assert.equal(handle.status, 'live');
  });

  test('auto: an upgrade refused on the way while the server answers HTTP moves on at once, and is remembered for a day', async () => {
    await reset({ upgrade: () => 502, http: (req) => (req.url.startsWith('/ws') ? undefined : req.url.includes('timeout=0') ? { body: { messages: [], cursor: 'e-1:0', gap: false } } : 'hang') });
    const storage = memory();
    const first = open({ transport: 'auto', transportStorage: storage });
    assert.equal(first.handle.transport, 'websocket');
    await until(() => first.handle.status === 'live', 'the first subscription is live');
    assert.equal(first.handle.transport, 'longpoll');
    assert.equal(fake.state.connections, 1);
    assert.deepEqual([first.r.errors[0].type, first.r.errors[0].willRetry], ['upgrade-failed', true]);
    const kept = JSON.parse(storage.store.get(`hark:transport:${url}`));
    assert.equal(kept.transport, 'longpoll');

    const second = open({ transport: 'auto', transportStorage: storage });
    assert.equal(second.handle.transport, 'longpoll', 'the next page starts with what worked');
    await until(() => second.handle.status === 'live', 'the second subscription is live');
    assert.equal(fake.state.connections, 1);

    storage.store.set(`hark:transport:${url}`, JSON.stringify({ transport: 'longpoll', at: Date.now() - DAY - 1 }));
    const later = open({ transport: 'auto', transportStorage: storage });
    assert.equal(later.handle.transport, 'websocket', 'a day later the socket is tried again');
  });

  test('auto: sockets that open but never work move on after two', async () => {
    await reset({ http: (req) => (req.url.includes('timeout=0') ? { body: { messages: [], cursor: 'e-1:0', gap: false } } : 'hang') });
    const { handle, r } = open({ transport: 'auto', transportStorage: false, requestTimeout: 100 });
    await until(() => handle.status === 'live', 'live over long-polling');
    assert.equal(handle.transport, 'longpoll');
    assert.equal(fake.state.connections, 2);
    assert.deepEqual(r.errors.map((e) => [e.type, e.willRetry]), [['timeout', true], ['timeout', true]]);
  });

  test('websocket chosen: /ws answering 404 (no sockets served) fails; a server that answers nothing is retried, under auto too', async () => {
    await reset({ upgrade: () => 404, http: () => ({ status: 404, body: problem(404, 'not-found') }) });
    const chosen = open({});
    await until(() => chosen.handle.status === 'failed', 'failed');
    assert.equal(chosen.r.errors[0].status, 404);

    await reset({ upgrade: () => 'reset', http: () => 'reset' });
    const down = open({ transport: 'auto', transportStorage: false });
    await until(() => fake.state.connections >= 3, 'three attempts');
    assert.equal(down.handle.transport, 'websocket', 'no fallback when nothing answers: every transport would fail alike');
    assert.ok(down.r.errors.every((e) => e.type === 'network' && e.willRetry));
    assert.equal(down.handle.status, 'reconnecting');
  });
});
