// The client's network policy against a server that fails on purpose: 503 with Retry-After, 500,
// connection resets, hanging requests, 401, 403, 410, answers that are not Hark's; the waits it
// chooses (recorded by a test clock, with `random` fixed), its caps, and one request in flight.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { subscribe, createRetryPolicy, publish, HarkError } from '../hark.js';
import { until, recorder, recordingClock, TestEventSource } from './helpers.js';

/** A node http server that answers each subscribe request as the current test's `script` says. */
function faultServer() {
  const state = { script: null, channel: 'c', requests: [], inFlight: 0, most: 0, aborted: 0, open: 0 };
  const server = http.createServer((req, res) => {
    const u = new URL(req.url, 'http://x');
    state.open += 1;
    // No keep-alive: a pooled connection from one test must not fail (or answer) in the next.
    res.setHeader('Connection', 'close');
    res.on('close', () => {
      state.open -= 1;
    });
    // A request a closed subscription sent just before it closed may arrive late: it is not this test's.
    const name = u.pathname.split('/')[2];
    if (name !== state.channel) return req.socket.destroy();
    const n = state.requests.length;
    state.requests.push({ path: u.pathname, query: Object.fromEntries(u.searchParams), headers: req.headers });
    state.inFlight += 1;
    state.most = Math.max(state.most, state.inFlight);
    let done = false;
    res.on('close', () => {
      state.inFlight -= 1;
      if (!res.writableFinished) state.aborted += 1;
      done = true;
    });
    const answer = state.script?.(n, u, req) ?? { status: 404 };
    const reply = ({ status = 200, headers = {}, body = '' }) => {
      if (done) return;
      res.writeHead(status, headers);
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    if (answer === 'reset') return req.socket.destroy();
    if (answer === 'hang') return;
    if (answer.after) return setTimeout(() => reply(answer), answer.after);
    if (answer.stream) {
      res.writeHead(200, { 'Content-Type': 'text/event-stream' });
      res.write(answer.stream);
      if (answer.end) res.end();
      return;
    }
    reply(answer);
  });
  return { state, server };
}

const batch = (cursor, messages = [], extra = {}) => ({
  status: 200,
  headers: { 'Content-Type': 'application/json; charset=utf-8' },
  body: { messages, cursor, gap: false, ...extra },
});
let current = 'c';
const message = (seq, epoch = 'e-1') => ({ channel: current, seq, cursor: `${epoch}:${seq}`, time: '2026-01-01T00:00:00.000Z', data: seq });
const problem = (status, type, headers = {}) => ({
  status,
  headers: { 'Content-Type': 'application/problem+json', ...headers },
  body: { type: `urn:hark:problem:${type}`, title: type, status, detail: `Channel '${current}' ${type}` },
});

describe('against a server that fails on purpose', () => {
  let fault;
  let url;
  let tests = 0;
  const handles = [];
  const open = (options) => {
    const r = recorder();
    const clock = recordingClock();
    const handle = subscribe(current, { url, transport: 'longpoll', WebSocket: null, random: () => 0.5, clock, ...r.options, ...options });
    handles.push(handle);
    return { handle, r, clock, retries: () => clock.waits.filter((w) => w.reason === 'retry').map((w) => w.ms) };
  };

  before(async () => {
    fault = faultServer();
    await new Promise((resolve) => fault.server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${fault.server.address().port}`;
  });

  after(async () => {
    for (const h of handles) h.close();
    fault.server.closeAllConnections();
    await new Promise((resolve) => fault.server.close(resolve));
  });

  // Each test starts once every request of the one before has ended.
  const reset = async (script) => {
    for (const h of handles.splice(0)) h.close();
    fault.state.script = () => 'reset';
    await until(() => fault.state.open === 0, 'the previous test\'s requests have ended', 2000);
    tests += 1;
    current = `c${tests}`;
    Object.assign(fault.state, { script, channel: current, requests: [], inFlight: 0, most: 0, aborted: 0 });
  };

  test('the retry policy: about 0.5 s after a network error, doubling with ±25% jitter to 30 s', () => {
    const at = (r) => {
      const p = createRetryPolicy({}, () => r);
      return Array.from({ length: 9 }, () => p.afterNetworkError());
    };
    assert.deepEqual(at(0.5), [500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
    assert.deepEqual(at(0).slice(0, 3), [375, 750, 1500]);
    assert.deepEqual(at(1).slice(0, 3), [625, 1250, 2500]);
    assert.equal(at(1)[8], 30000, 'jitter never goes past the cap');
    const p = createRetryPolicy({}, () => 0.5);
    p.afterNetworkError();
    p.afterNetworkError();
    p.succeeded();
    assert.equal(p.afterNetworkError(), 500, 'a success starts over');
  });

  test('the retry policy: 5 s after a server error, doubling to 2 minutes, honouring Retry-After up to that cap', () => {
    const p = createRetryPolicy({}, () => 0.5);
    assert.deepEqual(Array.from({ length: 7 }, () => p.afterServerError(null)), [5000, 10000, 20000, 40000, 80000, 120000, 120000]);
    const q = createRetryPolicy({}, () => 0.5);
    assert.equal(q.afterServerError(30000), 30000, 'Retry-After longer than the backoff wins');
    assert.equal(q.afterServerError(1000), 10000, 'a shorter Retry-After does not shorten the backoff');
    assert.equal(q.afterServerError(3600000), 120000, 'but no wait is longer than the cap');
  });

  test('503 with Retry-After waits as told, then resumes from the same cursor', async () => {
    await reset((n) => (n === 0 ? batch('e-1:0') : n <= 2 ? problem(503, 'limit-reached', { 'Retry-After': '30' }) : n === 3 ? batch('e-1:1', [message(1)]) : 'hang'));
    const { handle, r, retries } = open({});
    await until(() => r.messages.length === 1, 'the message after the outage arrives');
    assert.deepEqual(retries(), [30000, 30000]);
    assert.deepEqual(fault.state.requests.slice(1, 4).map((q) => q.query.cursor), ['e-1:0', 'e-1:0', 'e-1:0']);
    assert.equal(handle.cursor, 'e-1:1');
    const reconnecting = r.statuses.filter((s) => s.s === 'reconnecting');
    assert.deepEqual(reconnecting.map((s) => [s.delay, s.error.status, s.error.type]), [[30000, 503, 'limit-reached'], [30000, 503, 'limit-reached']]);
    assert.deepEqual(r.states(), ['connecting', 'live', 'reconnecting', 'reconnecting', 'live']);
  });

  test('500s back off from 5 s to the 2-minute cap; a success starts over', async () => {
    await reset((n) => (n < 8 ? { status: 500, body: 'boom' } : n === 8 ? batch('e-1:0') : n === 9 ? { status: 502 } : 'hang'));
    const { r, retries } = open({});
    await until(() => fault.state.requests.length >= 11, 'the eleventh request');
    assert.deepEqual(retries(), [5000, 10000, 20000, 40000, 80000, 120000, 120000, 120000, 5000]);
    assert.equal(r.errors[0].status, 500);
    assert.equal(r.errors[0].type, 'http');
    assert.ok(r.errors.every((e) => e.willRetry));
  });

  test('connection resets retry after about 0.5 s, doubling to the 30 s cap', async () => {
    await reset((n) => (n < 9 ? 'reset' : n === 9 ? batch('e-1:0') : 'hang'));
    const { handle, r, retries } = open({});
    await handle.ready;
    assert.deepEqual(retries(), [500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
    assert.ok(r.errors.every((e) => e.status === 0 && e.type === 'network'));
    assert.equal(handle.status, 'live');
  });

  test('a hanging request times out and counts as a network error', async () => {
    await reset((n) => (n === 0 ? batch('e-1:0') : n === 1 ? 'hang' : n === 2 ? batch('e-1:1', [message(1)]) : 'hang'));
    // Long-polls of 0.1 s, given 0.1 s more before the client gives up on them.
    const { r, retries } = open({ timeout: 0.1, requestTimeout: 100 });
    await until(() => r.messages.length === 1, 'the message after the timeout arrives');
    assert.equal(r.errors[0].type, 'timeout');
    assert.deepEqual(retries(), [500]);
    assert.equal(fault.state.requests[1].query.timeout, '0.1');
  });

  for (const status of [401, 403]) {
    test(`${status} stops the subscription and reports it expired`, async () => {
      await reset((n) => (n === 0 ? batch('e-1:0') : problem(status, status === 401 ? 'invalid-token' : 'channel-forbidden')));
      const { handle, r, retries } = open({ token: 'secret' });
      await until(() => handle.status === 'expired', 'the subscription has expired');
      assert.equal(r.errors.length, 1);
      assert.equal(r.errors[0].status, status);
      assert.equal(r.errors[0].willRetry, false);
      assert.deepEqual(retries(), []);
      assert.equal(fault.state.requests[1].headers.authorization, 'Bearer secret');
      assert.equal(await handle.ready, 'e-1:0');
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(fault.state.requests.length, 2, 'no request after it expired');
      assert.deepEqual(r.states(), ['connecting', 'live', status === 401 ? 'expired' : 'expired']);
    });
  }

  test('410 reports the channel closed and stops', async () => {
    await reset((n) => (n === 0 ? batch('e-1:0') : problem(410, 'channel-closed')));
    const { handle, r } = open({});
    await until(() => handle.status === 'closed', 'the subscription is closed');
    assert.deepEqual(r.closed, [current]);
    assert.equal(r.statuses.at(-1).channel, current);
  });

  test('410 on several channels names the deleted one by its problem member, not its detail', async () => {
    const other = `${current}-other`;
    await reset(() => ({
      ...problem(410, 'channel-closed'),
      body: { type: 'urn:hark:problem:channel-closed', title: 'Channel deleted', status: 410, detail: 'deleted', channel: other },
    }));
    fault.state.channel = `${current},${other}`;
    const r = recorder();
    const handle = subscribe([current, other], { url, transport: 'longpoll', WebSocket: null, random: () => 0.5, clock: recordingClock(), ...r.options });
    handles.push(handle);
    await until(() => handle.status === 'closed', 'the subscription is closed');
    assert.deepEqual(r.closed, [other]);
  });

  test('another 4xx stops with status failed', async () => {
    await reset(() => problem(400, 'invalid-cursor'));
    const { handle, r } = open({ cursor: 'e-1:99' });
    await until(() => handle.status === 'failed', 'the subscription failed');
    assert.equal(r.errors[0].type, 'invalid-cursor');
    assert.equal(await handle.ready, null, 'ready resolves with null when it never became live');
  });

  test('a kept cursor the server refuses is dropped and reported as a reset gap', async () => {
    await reset((n, u) => (u.searchParams.get('cursor') === 'old:7' ? problem(400, 'invalid-cursor') : n < 3 ? batch('e-1:0') : 'hang'));
    const store = new Map([['k', 'old:7']]);
    const storage = { getItem: (k) => store.get(k) ?? null, setItem: (k, v) => store.set(k, v), removeItem: (k) => store.delete(k) };
    const { handle, r } = open({ storage, storageKey: 'k' });
    await handle.ready;
    assert.deepEqual(r.gaps, [{ cursor: null, gaps: [{ channel: current, reason: 'reset' }] }]);
    assert.equal(store.get('k'), 'e-1:0');
  });

  test('a 200 that is not a Hark batch (a captive portal, say) backs off like a server error', async () => {
    await reset((n) => (n === 0 ? { status: 200, headers: { 'Content-Type': 'text/html' }, body: '<html>log in</html>' } : n === 1 ? batch('e-1:0') : 'hang'));
    const { handle, r, retries } = open({});
    await handle.ready;
    assert.equal(r.errors[0].type, 'bad-response');
    assert.deepEqual(retries(), [5000]);
  });

  test('an empty answer long before its timeout does not become a busy loop', async () => {
    await reset((n) => (n < 5 ? batch('e-1:0') : 'hang'));
    const { retries } = open({ timeout: 25 });
    await until(() => fault.state.requests.length >= 5, 'five requests');
    assert.deepEqual(retries().slice(0, 3), [500, 1000, 2000]);
  });

  test('only one request is ever in flight, through answers, failures and timeouts; close() aborts it', async () => {
    const plan = [batch('e-1:0'), 'reset', { ...batch('e-1:1', [message(1)]), after: 20 }, { status: 503 }, 'hang', batch('e-1:2', [message(2)]), { ...batch('e-1:2'), after: 30 }];
    await reset((n) => plan[n] ?? 'hang');
    const { handle, r } = open({ timeout: 0.05, requestTimeout: 100 });
    await until(() => fault.state.requests.length >= plan.length + 1, 'the plan has run');
    assert.equal(fault.state.most, 1);
    assert.deepEqual(r.messages.map((m) => m.seq), [1, 2]);
    handle.close();
    await until(() => fault.state.inFlight === 0, 'the held request is aborted', 1000);
    assert.ok(fault.state.aborted >= 1);
    assert.equal(handle.status, 'stopped');
  });

  test('poll waits `interval` between answers, and asks again at once after a full batch', async () => {
    const full = Array.from({ length: 3 }, (_, i) => message(i + 1));
    await reset((n) => (n === 0 ? batch('e-1:3', full) : n === 1 ? batch('e-1:3') : 'hang'));
    const { r, clock } = open({ transport: 'poll', interval: 2000, max: 3 });
    await until(() => fault.state.requests.length >= 3, 'three polls');
    assert.deepEqual(clock.waits.map((w) => [w.ms, w.reason]), [[2000, 'interval']]);
    assert.ok(fault.state.requests.every((q) => q.query.transport === 'poll' && q.query.timeout === '0' && q.query.max === '3'));
    assert.equal(r.messages.length, 3);
  });

  test('SSE: delivers envelopes, reconnects itself with the latest cursor and the token in the URL', async () => {
    const sse = (seq) => `:ok\nretry: 2000\nid: e-1:${seq}\n\nid: e-1:${seq + 1}\ndata: ${JSON.stringify(message(seq + 1))}\n\n`;
    await reset((n, u) => {
      if (u.searchParams.get('transport') !== 'sse') return batch('e-1:0');
      return { stream: sse(Number(u.searchParams.get('cursor').split(':')[1])), end: n < 3 };
    });
    const { handle, r, retries } = open({ transport: 'sse', EventSource: TestEventSource, token: 't0' });
    await until(() => r.messages.length >= 3, 'three messages over three streams');
    const streams = fault.state.requests.filter((q) => q.query.transport === 'sse');
    assert.deepEqual(streams.map((q) => q.query.cursor), ['e-1:0', 'e-1:1', 'e-1:2']);
    assert.ok(streams.every((q) => q.query.envelope === '1' && q.query.token === 't0'));
    assert.equal(fault.state.requests[0].headers.authorization, 'Bearer t0');
    assert.deepEqual(r.messages.map((m) => m.seq), [1, 2, 3]);
    assert.deepEqual(retries(), [500, 500], 'a stream that delivered something was a success');
    assert.equal(handle.cursor, 'e-1:3');
  });

  test('SSE: a stream refused with 401 is probed, and the subscription expires', async () => {
    await reset((n, u) => (n === 0 ? batch('e-1:0') : problem(401, 'invalid-token')));
    const { handle, r } = open({ transport: 'sse', EventSource: TestEventSource });
    await until(() => handle.status === 'expired', 'expired');
    // The stream's own URL is asked again to read the status the EventSource does not expose.
    assert.deepEqual(fault.state.requests.map((q) => q.query.transport ?? 'poll'), ['poll', 'sse', 'sse']);
    assert.equal(r.errors[0].status, 401);
  });

  test('SSE: a stream refused with 503 backs off like any server error', async () => {
    await reset((n) => (n === 0 ? batch('e-1:0') : n < 5 ? problem(503, 'limit-reached', { 'Retry-After': '5' }) : 'hang'));
    const { retries } = open({ transport: 'sse', EventSource: TestEventSource });
    // The second wait is chosen once the second probe's answer is read, a moment after the request arrives.
    await until(() => fault.state.requests.length >= 5 && retries().length >= 2, 'two stream attempts, their probes and both waits');
    assert.deepEqual(retries(), [5000, 10000]);
  });

  test('auto: when event streams are answered with something else, it carries on with long-polling', async () => {
    await reset((n, u) => (u.searchParams.get('transport') === 'sse' ? { status: 200, headers: { 'Content-Type': 'text/html' }, body: 'no' } : n < 4 ? batch('e-1:0') : 'hang'));
    const { handle, r } = open({ transport: 'auto', EventSource: TestEventSource });
    await until(() => handle.transport === 'longpoll' && fault.state.requests.length >= 4, 'it falls back');
    assert.equal(fault.state.requests[3].query.timeout, '0');
    assert.equal(fault.state.requests.filter((q) => q.query.transport === 'sse').length, 2);
  });

  test('a throwing callback does not stop the subscription nor repeat a message', async () => {
    await reset((n) => (n === 0 ? batch('e-1:2', [message(1), message(2)]) : 'hang'));
    const seen = [];
    const errors = [];
    open({ onMessage: (m) => { seen.push(m.seq); throw new Error('page bug'); }, onError: (e) => errors.push(e) });
    await until(() => seen.length === 2, 'both messages are delivered');
    assert.deepEqual(seen, [1, 2]);
    assert.deepEqual(errors.map((e) => e.type), ['callback', 'callback']);
  });

  test('a token function is called before each request; when it throws, the subscription expires', async () => {
    await reset((n) => (n < 2 ? batch('e-1:0') : 'hang'));
    let calls = 0;
    const { handle, r } = open({ timeout: 0.05, token: async () => { calls += 1; if (calls === 3) throw new Error('signed out'); return `t${calls}`; } });
    await until(() => handle.status === 'expired', 'expired');
    assert.deepEqual(fault.state.requests.map((q) => q.headers.authorization), ['Bearer t1', 'Bearer t2']);
    assert.equal(r.errors.at(-1).type, 'token');
  });

  test('iframe: reads only its own frame\'s posts from the server origin, reloads from the cursor, and learns why it fails', async () => {
    await reset(() => problem(403, 'origin-not-allowed'));
    const listeners = new Set();
    const frames = [];
    const win = {
      location: { origin: 'https://app.example.com', href: 'https://app.example.com/page' },
      addEventListener: (type, fn) => type === 'message' && listeners.add(fn),
      removeEventListener: (type, fn) => listeners.delete(fn),
      document: {
        body: { appendChild: (frame) => frames.push(frame) },
        createElement: () => {
          const on = new Map();
          return {
            style: {}, contentWindow: {}, setAttribute() {}, remove() { this.removed = true; },
            addEventListener: (type, fn) => on.set(type, fn), removeEventListener: (type) => on.delete(type), load: () => on.get('load')?.(),
          };
        },
      },
    };
    const post = (frame, data, origin = url) => [...listeners].forEach((fn) => fn({ source: frame.contentWindow, origin, data }));
    const { handle, r, retries } = open({ transport: 'iframe', window: win });
    await until(() => frames.length === 1, 'a frame is added');
    const first = new URL(frames[0].src);
    assert.equal(first.searchParams.get('transport'), 'iframe');
    assert.equal(first.searchParams.get('origin'), 'https://app.example.com');
    assert.equal(first.searchParams.get('cursor'), null);
    post(frames[0], { cursor: 'e-1:0' }, 'https://evil.example.net');
    post({ contentWindow: {} }, { cursor: 'e-1:0' });
    assert.equal(handle.status, 'connecting', 'posts from another origin or another window are ignored');
    post(frames[0], { cursor: 'e-1:0' });
    assert.equal(await handle.ready, 'e-1:0');
    post(frames[0], message(1));
    post(frames[0], message(1));
    post(frames[0], { gap: true, cursor: 'e-1:4', gaps: [{ channel: current, reason: 'evicted', missed: 2 }] });
    post(frames[0], message(4));
    assert.deepEqual(r.messages.map((m) => m.seq), [1, 4]);
    assert.equal(r.gaps.length, 1);
    frames[0].load(); // the document ended
    await until(() => frames.length === 2, 'the frame is reloaded');
    assert.ok(frames[0].removed);
    assert.equal(new URL(frames[1].src).searchParams.get('cursor'), 'e-1:4');
    assert.deepEqual(retries(), [500]);
    frames[1].load(); // an error page: never opened
    await until(() => handle.status === 'failed', 'the probe finds out why');
    assert.equal(r.errors.at(-1).type, 'origin-not-allowed');
    assert.equal(fault.state.requests[0].query.origin, 'https://app.example.com');
  });

  test('an AbortSignal stops the subscription', async () => {
    await reset((n) => (n === 0 ? batch('e-1:0') : 'hang'));
    const controller = new AbortController();
    const { handle } = open({ signal: controller.signal });
    await handle.ready;
    await until(() => fault.state.inFlight === 1, 'a long-poll is held');
    controller.abort();
    assert.equal(handle.status, 'stopped');
    await until(() => fault.state.inFlight === 0, 'it is aborted', 1000);
  });

  test('publish sends text or JSON, the event and the key, and rejects with the problem', async () => {
    await reset((n, u) => (n === 0 ? { status: 202, headers: { 'Content-Type': 'application/json' }, body: { channel: current, seq: 1, cursor: 'e-1:1', subscribers: 0 } } : problem(401, 'invalid-key')));
    const result = await publish(current, { a: 1 }, { url, event: 'note', key: 'k1' });
    assert.deepEqual(result, { channel: current, seq: 1, cursor: 'e-1:1', subscribers: 0 });
    const q = fault.state.requests[0];
    assert.equal(q.path, `/pub/${current}`);
    assert.equal(q.query.event, 'note');
    assert.equal(q.headers.authorization, 'Bearer k1');
    assert.equal(q.headers['content-type'], 'application/json');
    await assert.rejects(publish(current, 'text', { url }), (e) => e instanceof HarkError && e.status === 401 && e.type === 'invalid-key');
    assert.equal(fault.state.requests[1].headers['content-type'], 'text/plain; charset=utf-8');
  });

  test('bad options throw at once', () => {
    assert.throws(() => subscribe([], { url }), TypeError);
    assert.throws(() => subscribe('c', { url, transport: 'socket' }), /unknown transport/);
    assert.throws(() => subscribe('c', { url, transport: 'websocket', WebSocket: null }), /WebSocket is not available/);
    assert.throws(() => subscribe('c', { url, transport: 'sse', EventSource: null }), /EventSource/);
    assert.throws(() => subscribe('c', { url, transport: 'iframe' }), /document/);
    assert.throws(() => subscribe('c', { url: '/relative' }), /absolute url/);
  });
});
