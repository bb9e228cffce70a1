// Test helpers: a real Hark server process, a minimal EventSource for Node, Node's WebSocket, a clock that
// records the waits it is asked for, and small waiting utilities. Every wait has a deadline.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const serverDll = process.env.HARK_SERVER_DLL ?? path.join(root, 'src/Hark.Server/bin/Release/net10.0/Hark.Server.dll');
export const haveServer = existsSync(serverDll);

/** Starts the built Hark server on a free loopback port; `settings` are `Key=Value` configuration. */
export async function startServer(...settings) {
  const child = spawn('dotnet', [serverDll, '--urls', 'http://127.0.0.1:0', ...settings.map((s) => `--${s}`)], {
    cwd: path.dirname(serverDll),
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, DOTNET_NOLOGO: '1', Logging__Console__FormatterName: 'simple' },
  });
  const kill = () => {
    if (child.exitCode === null) child.kill('SIGKILL');
  };
  process.once('exit', kill);
  let log = '';
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start within 30 s:\n${log}`)), 30000);
    const read = (chunk) => {
      log += chunk;
      const m = /Now listening on: (http:\/\/[^\s]+)/.exec(log);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout.setEncoding('utf8').on('data', read);
    child.stderr.setEncoding('utf8').on('data', read);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited with ${code}:\n${log}`));
    });
  });
  return {
    url,
    get log() {
      return log;
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(kill, 5000);
      await exited;
      clearTimeout(timer);
      process.removeListener('exit', kill);
    },
  };
}

/** Resolves when `condition()` holds; fails after `ms`. */
export async function until(condition, what, ms = 10000) {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function channel(prefix = 'js') {
  return `${prefix}${Math.random().toString(36).slice(2, 12)}`;
}

/**
 * Node's own WebSocket (undici's, the WHATWG API browsers have): global from Node 22, and on Node 20 with
 * --experimental-websocket, which `npm test` and scripts/test.sh pass.
 */
export const TestWebSocket = globalThis.WebSocket;
if (typeof TestWebSocket !== 'function') {
  throw new Error('WebSocket is not defined: run the tests with node --experimental-websocket (npm test does)');
}

/**
 * A clock whose retry and interval waits pass in about a millisecond and are recorded; request
 * timeouts and a socket's heartbeat run in real time (tests that need them set small values).
 */
export function recordingClock() {
  const waits = [];
  return {
    waits,
    now: () => Date.now(),
    setTimeout(fn, ms, reason) {
      if (reason === 'request-timeout' || reason === 'heartbeat') return setTimeout(fn, ms);
      waits.push({ ms, reason });
      return setTimeout(fn, 1);
    },
    clearTimeout: (id) => clearTimeout(id),
  };
}

/** Collects what a subscription reports. */
export function recorder() {
  const r = { messages: [], gaps: [], statuses: [], errors: [], closed: [] };
  r.options = {
    onMessage: (m) => r.messages.push(m),
    onGap: (g) => r.gaps.push(g),
    onStatus: (s, info) => r.statuses.push({ s, ...info }),
    onError: (e) => r.errors.push(e),
    onClosed: (c) => r.closed.push(c),
  };
  r.states = () => r.statuses.map((x) => x.s);
  return r;
}

/** A minimal EventSource over fetch, enough for the client: open/message/named events/error, id, close. */
export class TestEventSource {
  static CONNECTING = 0;
  static OPEN = 1;
  static CLOSED = 2;
  static instances = [];

  constructor(url) {
    this.url = String(url);
    this.readyState = 0;
    this.lastEventId = '';
    this.listeners = new Map();
    this.controller = new AbortController();
    TestEventSource.instances.push(this);
    this.run();
  }

  addEventListener(type, fn) {
    if (!this.listeners.has(type)) this.listeners.set(type, []);
    this.listeners.get(type).push(fn);
  }

  close() {
    this.readyState = 2;
    this.controller.abort();
  }

  dispatch(type, init = {}) {
    if (this.readyState === 2 && type !== 'error') return;
    const event = { type, ...init };
    if (type === 'open' || type === 'message' || type === 'error') this[`on${type}`]?.(event);
    for (const fn of this.listeners.get(type) ?? []) fn(event);
  }

  async run() {
    let response;
    try {
      response = await fetch(this.url, { headers: { Accept: 'text/event-stream' }, signal: this.controller.signal });
    } catch {
      if (this.readyState === 2) return;
      this.readyState = 0;
      this.dispatch('error');
      return;
    }
    if (response.status !== 200 || !(response.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
      response.body?.cancel().catch(() => {});
      this.readyState = 2;
      this.dispatch('error');
      return;
    }
    this.readyState = 1;
    this.dispatch('open');
    const decoder = new TextDecoder();
    let buffer = '';
    let data = [];
    let type = '';
    try {
      for await (const chunk of response.body) {
        buffer += decoder.decode(chunk, { stream: true });
        let nl;
        while ((nl = buffer.search(/\r\n|\r|\n/)) >= 0) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + (buffer.startsWith('\r\n', nl) ? 2 : 1));
          if (line === '') {
            if (data.length > 0) this.dispatch(type || 'message', { data: data.join('\n'), lastEventId: this.lastEventId });
            data = [];
            type = '';
          } else if (!line.startsWith(':')) {
            const colon = line.indexOf(':');
            const field = colon < 0 ? line : line.slice(0, colon);
            const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
            if (field === 'data') data.push(value);
            else if (field === 'event') type = value;
            else if (field === 'id') this.lastEventId = value;
          }
        }
      }
    } catch {
      // Cut off: reported below.
    }
    if (this.readyState === 2) return;
    this.readyState = 0;
    this.dispatch('error');
  }
}
