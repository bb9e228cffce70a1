// Which transport a subscription uses. `auto` tries WebSocket, then SSE, then long-polling, moving on when one
// cannot work here (a proxy that refuses upgrades or buffers event streams), and remembers, per server, the one
// that worked, so the next page starts with it.
import { readItem, writeItem } from '../util.js';

export const TRANSPORTS = ['auto', 'websocket', 'sse', 'longpoll', 'poll', 'iframe'];

// A transport remembered after a fallback is used instead of the better ones for a day; then they are tried again.
const REMEMBER_MS = 24 * 60 * 60 * 1000;

function available(sub, transport) {
  if (transport === 'websocket') return typeof sub.WebSocket === 'function';
  if (transport === 'sse') return typeof sub.EventSource === 'function' && typeof sub.fetch === 'function';
  if (transport === 'iframe') return Boolean(sub.window?.document);
  return typeof sub.fetch === 'function';
}

function transportStorage(sub) {
  const given = sub.o.transportStorage;
  if (given === false || given === null) return null;
  if (given) return given;
  try {
    // Whether a proxy lets sockets through is a fact about the network, shared by every tab: localStorage.
    return sub.window?.localStorage ?? null;
  } catch {
    return null; // denied (a sandboxed frame, say)
  }
}

/** Sets `sub.transport`; throws a TypeError for one this environment lacks. */
export function chooseTransport(sub, requested) {
  if (!TRANSPORTS.includes(requested)) {
    throw new TypeError(`hark: unknown transport '${requested}' (use ${TRANSPORTS.join(', ')})`);
  }
  sub.auto = requested === 'auto';
  if (!sub.auto) {
    if (requested === 'websocket' && !available(sub, 'websocket')) throw new TypeError('hark: WebSocket is not available here');
    if (requested === 'sse' && typeof sub.EventSource !== 'function') throw new TypeError('hark: EventSource is not available here');
    if (requested === 'iframe' && !available(sub, 'iframe')) throw new TypeError('hark: the iframe transport needs a document');
    if (requested !== 'iframe' && requested !== 'websocket' && typeof sub.fetch !== 'function') throw new TypeError('hark: fetch is not available here');
    sub.transport = requested;
    return;
  }
  sub.chain = ['websocket', 'sse', 'longpoll'].filter((t) => available(sub, t));
  if (sub.chain.length === 0) throw new TypeError('hark: fetch is not available here');
  sub.memory = transportStorage(sub);
  sub.memoryKey = `hark:transport:${sub.serverUrl.href.replace(/\/$/, '')}`;
  let kept = null;
  try {
    kept = JSON.parse(readItem(sub.memory, sub.memoryKey));
  } catch {
    // Not ours, or damaged: start from the best.
  }
  const fresh = kept && typeof kept.at === 'number' && sub.clock.now() - kept.at < REMEMBER_MS;
  sub.kept = fresh && sub.chain.includes(kept.transport) ? kept.transport : null;
  sub.transport = sub.kept ?? sub.chain[0];
}

/** Under `auto`, moves on to the next transport; false when there is none (or the transport was chosen). */
export function fallBack(sub) {
  if (!sub.auto) return false;
  const next = sub.chain[sub.chain.indexOf(sub.transport) + 1];
  if (!next) return false;
  sub.transport = next;
  return true;
}

/** Under `auto`, keeps the transport that has just worked, unless it is the one kept already. */
export function rememberTransport(sub) {
  if (!sub.auto || sub.kept === sub.transport) return;
  sub.kept = sub.transport;
  writeItem(sub.memory, sub.memoryKey, JSON.stringify({ transport: sub.transport, at: sub.clock.now() }));
}
