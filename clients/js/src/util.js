// Small helpers shared by the subscription, its transports and publish.

export const DEFAULTS = {
  timeout: 25,
  interval: 5000,
  requestTimeout: 15000,
  retryDelay: 500,
  maxRetryDelay: 30000,
  serverErrorDelay: 5000,
  maxServerErrorDelay: 120000,
};

export function baseOf(url) {
  const base = url === undefined || url === null ? '' : String(url);
  return base.endsWith('/') ? base.slice(0, -1) : base;
}

export function isAbsolute(url) {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(url);
}

export function channelList(channels) {
  const list = (Array.isArray(channels) ? channels : String(channels ?? '').split(','))
    .map((c) => String(c).trim())
    .filter((c) => c.length > 0);
  if (list.length === 0) throw new TypeError('hark: subscribe needs at least one channel name');
  return list;
}

export function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function epochOf(cursor) {
  const m = typeof cursor === 'string' ? /^(.+):(\d+)$/.exec(cursor) : null;
  return m ? { epoch: m[1], seq: Number(m[2]) } : null;
}

export function reportUncaught(error) {
  if (typeof globalThis.reportError === 'function') globalThis.reportError(error);
  else console.error(error);
}

export const systemClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (id) => clearTimeout(id),
};

/** Reads a Storage-like object; null when it is missing, empty or denied. */
export function readItem(storage, key) {
  if (!storage) return null;
  try {
    return storage.getItem(key) || null;
  } catch {
    return null;
  }
}

/** Writes a Storage-like object; a full or denied storage only loses what a later page would have resumed from. */
export function writeItem(storage, key, value) {
  try {
    storage?.setItem(key, value);
  } catch {
    // Nothing to do: this page goes on without it.
  }
}

export function removeItem(storage, key) {
  try {
    storage?.removeItem(key);
  } catch {
    // Nothing to do.
  }
}

const CLIENT_ID = /^[A-Za-z0-9._:@-]{1,64}$/;

/** Whether `id` is a presence client id: 1 to 64 characters of `A–Z a–z 0–9 . _ - : @`. */
export function isClientId(id) {
  return typeof id === 'string' && CLIENT_ID.test(id);
}

/** A random id, made once per page load: what every subscription of the page names as its `client` by default. */
export const clientId = (() => {
  const bytes = new Uint8Array(9);
  // getRandomValues works on plain-HTTP pages too, where crypto.randomUUID does not exist.
  if (typeof globalThis.crypto?.getRandomValues === 'function') globalThis.crypto.getRandomValues(bytes);
  else for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
  return `p-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
})();

/** The `client` a subscription names: the option's id, none for `null`/`false`, else the page's. Throws for a bad id. */
export function clientOf(option) {
  if (option === undefined) return clientId;
  if (option === null || option === false) return null;
  if (!isClientId(option)) throw new TypeError(`hark: client is 1 to 64 characters of A-Z a-z 0-9 . _ - : @, not '${option}'`);
  return option;
}

/** Calls stop once signal aborts; true when it already has (stop was called now). */
export function stopOnAbort(signal, stop) {
  if (!signal) {
    return false;
  }
  if (signal.aborted) {
    stop();
    return true;
  }
  signal.addEventListener('abort', stop, { once: true });
  return false;
}
