// WebSocket (GET /ws, docs/protocol.md): one socket per subscription, subscribed by a frame that carries the
// cursor (and the token, kept out of URLs and logs), reopened from the latest cursor by the retry policy
// whenever it closes. Hark's close codes are read as the HTTP statuses they stand for (4000 + status).
import { HarkError, classify, problemError, typeOf } from '../errors.js';
import { request, resolveToken, startParams } from '../requests.js';
import { parseJson } from '../util.js';
import { fallBack } from './choice.js';

const ID = 'hark';

// Under `auto`, sockets that open but do not work this many times in a row (a proxy that lets the upgrade
// through and then holds or cuts the frames) move the subscription on to the next transport.
const BROKEN_BEFORE_FALLBACK = 2;

export async function runWebSocket(sub) {
  const outcome = await openSocket(sub);
  if (!sub.running || outcome.stopped) return;
  await afterSocket(sub, outcome);
}

function socketUrl(sub) {
  const url = new URL(`${sub.serverUrl.href.replace(/\/$/, '')}/ws`);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.href;
}

function subscribeFrame(sub) {
  const frame = { type: 'subscribe', id: ID, channels: sub.channels, ...startParams(sub) };
  if (sub.o.max) frame.max = sub.o.max;
  if (sub.token) frame.token = sub.token;
  if (sub.grant) frame.grant = sub.grant;
  if (sub.client) frame.client = sub.client;
  return JSON.stringify(frame);
}

function openSocket(sub) {
  return new Promise((resolve) => {
    resolveToken(sub).then((ok) => {
      if (!ok) return resolve({ stopped: true });
      let socket;
      try {
        socket = new sub.WebSocket(socketUrl(sub));
      } catch (cause) {
        // The page's policy forbids the socket, or the URL is not one a socket can open.
        return resolve({ unusable: new HarkError(`The WebSocket could not be created: ${cause?.message ?? cause}`, { type: 'upgrade-failed', cause }) });
      }
      let opened = false;
      let openedAt = 0;
      let subscribed = false;
      let delivered = false;
      let problem = null; // the error frame the server sends before it closes the socket
      let done = false;
      let timer = null;
      const disarm = () => {
        if (timer !== null) sub.clock.clearTimeout(timer);
        timer = null;
      };
      const arm = (ms, reason, fire) => {
        disarm();
        timer = sub.clock.setTimeout(fire, ms, reason);
      };
      const finish = (outcome) => {
        if (done) return;
        done = true;
        disarm();
        socket.onopen = socket.onmessage = socket.onclose = null;
        socket.onerror = () => {};
        try {
          socket.close(1000);
        } catch {
          // Closed already.
        }
        if (sub.stopStream === stop) sub.stopStream = null;
        resolve({ ...outcome, problem, opened, subscribed, delivered, lasted: opened ? sub.clock.now() - openedAt : 0 });
      };
      const stop = () => finish({ stopped: true });
      sub.stopStream = stop;
      const silent = (what) => () => finish({ error: new HarkError(`No ${what} within ${sub.o.requestTimeout} ms`, { type: 'timeout' }) });
      // The server pings, but a page cannot see that: after `timeout` s of quiet, ask, so that a connection that
      // died without a word (a laptop that slept, a dropped route) is found out.
      const idle = () => arm(sub.o.timeout * 1000, 'heartbeat', () => {
        if (done) return;
        try {
          socket.send('{"type":"ping"}');
        } catch {
          // Closing already: its close event is on the way.
        }
        arm(sub.o.requestTimeout, 'request-timeout', silent('answer to a ping'));
      });
      socket.onopen = () => {
        if (done) return;
        opened = true;
        openedAt = sub.clock.now();
        socket.send(subscribeFrame(sub));
        arm(sub.o.requestTimeout, 'request-timeout', silent('answer to the subscribe frame'));
      };
      socket.onmessage = (event) => {
        if (done) return;
        if (subscribed) idle();
        const frame = typeof event.data === 'string' ? parseJson(event.data) : undefined;
        if (!frame || typeof frame !== 'object') return;
        if (typeof frame.seq === 'number') {
          if (sub.deliver(frame)) delivered = true;
          return;
        }
        if (frame.type === 'subscribed' && frame.id === ID) {
          subscribed = true;
          if (typeof frame.grant === 'string') sub.grant = frame.grant;
          if (typeof frame.cursor === 'string' && frame.cursor) sub.setCursor(frame.cursor);
          sub.live();
          sub.resolveReady(sub.cursor);
          idle();
        } else if (frame.type === 'grant' && typeof frame.grant === 'string') {
          // The hook was asked again when the old grant expired: the next socket presents this one.
          sub.grant = frame.grant;
        } else if (frame.type === 'gap' && Array.isArray(frame.gaps)) {
          sub.accept({ gap: true, gaps: frame.gaps, cursor: frame.cursor, messages: [] });
        } else if (frame.type === 'closed') {
          finish({ stopped: true });
          sub.closed(frame.channel ?? null);
        } else if (frame.type === 'error') {
          const status = typeof frame.problem?.status === 'number' ? frame.problem.status : 0;
          const retryAfter = typeof frame.retryAfter === 'number' ? frame.retryAfter * 1000 : null;
          const error = problemError(frame.problem, status, { fallbackTitle: 'Refused', retryAfter });
          // Our subscription refused, or ended by the server (503 limit-reached); without an id, the socket
          // is about to close and its close code follows.
          if (frame.id === ID) finish({ refusal: error });
          else problem = error;
        }
        // pong, and frame types of later versions: nothing to do.
      };
      // A close event follows an error in browsers, with all a page may know (1006); Node 20's WebSocket fires none.
      socket.onerror = () => finish({ code: 1006, reason: '' });
      socket.onclose = (event) => finish({ code: event.code, reason: event.reason ?? '' });
    });
  });
}

/** The error Hark's own close codes stand for; null for a close that says nothing (1006 and the like). */
function closeError({ code, reason, problem }) {
  if (code >= 4000 && code <= 4999) {
    const status = code - 4000;
    const type = typeOf(reason) ?? problem?.type ?? 'http';
    const error = problem ?? new HarkError(`${status} ${reason || 'closed by the server'}`, { status, type });
    error.status = status;
    error.type = type;
    return error; // 4408 slow-consumer reads as 408: resume at once; 4401/4403 end the subscription.
  }
  if (code === 1001) return new HarkError('The server is stopping', { type: 'network' });
  if (code === 1011) return new HarkError('The server closed the socket after an internal error', { status: 500, type: 'internal-error' });
  return null;
}

async function afterSocket(sub, outcome) {
  const { opened, subscribed, delivered, lasted } = outcome;
  if (outcome.unusable) {
    if (!fallBack(sub)) {
      sub.emitError(outcome.unusable);
      sub.end('failed', { error: outcome.unusable });
    }
    return;
  }
  const worked = subscribed && (delivered || lasted >= 5000);
  if (worked) {
    sub.brokenSockets = 0;
    sub.policy.succeeded();
  }
  // Hark spoke (a refusal, or a close of its own): the socket works, and the answer means what it means over HTTP.
  const spoken = outcome.refusal ?? closeError(outcome);
  if (spoken) {
    sub.brokenSockets = 0;
    await sub.recover(spoken);
    return;
  }
  const error = outcome.error ?? new HarkError(`The socket closed (${outcome.code ?? 'no code'})`, { type: 'network' });
  if (worked) {
    await sub.recover(error);
    return;
  }
  if (!opened) {
    // A browser tells nothing of why a socket did not open: ask /ws over HTTP, which Hark answers 426.
    const answer = await askOverHttp(sub);
    if (!sub.running) return;
    if (!answer) {
      // No answer at all: the server is down or the network is, and every transport would fail alike.
      await sub.recover(new HarkError('The WebSocket could not connect', { type: 'network' }));
    } else if (fallBack(sub)) {
      answer.willRetry = true;
      sub.emitError(answer);
    } else {
      await sub.recover(answer);
    }
    return;
  }
  sub.brokenSockets = (sub.brokenSockets ?? 0) + 1;
  if (sub.brokenSockets >= BROKEN_BEFORE_FALLBACK && fallBack(sub)) {
    sub.brokenSockets = 0;
    error.willRetry = true;
    sub.emitError(error);
    return;
  }
  await sub.recover(error);
}

/** What the server answers `GET /ws` without an upgrade: a HarkError, or null when nothing answers. */
async function askOverHttp(sub) {
  if (!sub.fetch) return null;
  const url = `${sub.serverUrl.href.replace(/\/$/, '')}/ws`;
  let error;
  try {
    const status = await request(sub, url, sub.o.requestTimeout, (r) => {
      r.body?.cancel().catch(() => {});
      return r.status;
    });
    error = new HarkError(`The WebSocket could not be opened, and /ws answers ${status} over HTTP`, { type: 'upgrade-failed' });
  } catch (caught) {
    if (caught.status === 0) return null;
    error = caught;
  }
  if (error.status === 426 || classify(error) === 'network') {
    // Hark's own answer to a request that is not an upgrade: the server is there, and the upgrade was refused on the
    // way (a proxy) or by the server before it (an Origin it does not allow, too many connections from this address).
    return new HarkError('The WebSocket could not be opened, though the server answers HTTP', { type: 'upgrade-failed', problem: error.problem });
  }
  return error; // 404: this server does not serve /ws; 401 (authorization on MapHark); 5xx
}
