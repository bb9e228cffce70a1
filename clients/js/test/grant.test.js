// The authorization hook's grant: against a real Hark server whose hook is a small HTTP server here, counting its
// calls. Each transport asks the hook once per subscription and sends the grant back on every later request: re-polls,
// the SSE stream after its first poll, a socket reopened after it dropped.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { subscribe, publish } from '../hark.js';
import { haveServer, startServer, until, channel, recorder, TestEventSource, TestWebSocket } from './helpers.js';

describe('grants from the authorization hook', { skip: haveServer ? false : 'Hark.Server is not built (run scripts/test.sh)' }, () => {
  let server;
  let hook;
  let url;
  const asked = [];
  const handles = [];

  before(async () => {
    hook = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        asked.push(JSON.parse(body));
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ user: 'u-1' }));
      });
    });
    await new Promise((resolve) => hook.listen(0, '127.0.0.1', resolve));
    server = await startServer('Demo:Enabled=false', `Hark:Auth:Hook:Url=http://127.0.0.1:${hook.address().port}/hook`,
      'Hark:Limits:NewSubscriptionsPerSecond=1000');
    url = server.url;
  });

  after(async () => {
    for (const h of handles) h.close();
    await server?.stop();
    await new Promise((resolve) => hook.close(resolve));
  });

  for (const transport of ['longpoll', 'poll', 'sse', 'websocket']) {
    test(`${transport}: the hook is asked once; every later request presents the grant`, async () => {
      const c = channel();
      const r = recorder();
      const sockets = new Set();
      class TrackedSocket extends TestWebSocket {
        constructor(u) {
          super(u);
          sockets.add(this);
        }
      }
      const h = subscribe(c, { url, transport, timeout: 1, interval: 20, retryDelay: 20, maxRetryDelay: 40, EventSource: TestEventSource, WebSocket: TrackedSocket, ...r.options });
      handles.push(h);
      await h.ready;
      for (const n of [1, 2, 3]) {
        await publish(c, n, { url });
        await until(() => r.messages.length === n, `message ${n} arrives`);
        // A socket dropped: the next one subscribes with the grant.
        for (const socket of sockets) socket.close();
        sockets.clear();
      }
      assert.deepEqual(r.messages.map((m) => m.data), [1, 2, 3]);
      assert.equal(asked.filter((a) => a.channels.includes(c)).length, 1);
      h.close();
    });
  }
});
