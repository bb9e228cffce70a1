// HarkError, and how a failure's status decides what the subscription does next.
import { parseJson, reportUncaught } from './util.js';

export const PROBLEM_PREFIX = 'urn:hark:problem:';

/** A failed request or a refused subscription. */
export class HarkError extends Error {
  constructor(message, { status = 0, type = 'network', problem = null, retryAfter = null, cause } = {}) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'HarkError';
    /** The HTTP status, or 0 when no answer came (network error, timeout). */
    this.status = status;
    /** The problem type without its `urn:hark:problem:` prefix, or `network`, `timeout`, `bad-response`, `http`, `callback`, `token`, `upgrade-failed`. */
    this.type = type;
    /** The parsed RFC 9457 problem body, when the server sent one. */
    this.problem = problem;
    /** `Retry-After` in milliseconds, when the server sent one. */
    this.retryAfter = retryAfter;
    /** Whether the subscription will try again after this error. */
    this.willRetry = false;
  }
}

export function typeOf(problemType) {
  return typeof problemType === 'string' && problemType.startsWith(PROBLEM_PREFIX) ? problemType.slice(PROBLEM_PREFIX.length) : null;
}

/** The error for an RFC 9457 problem object: an HTTP answer's body, or a WebSocket `error` frame's `problem`. */
export function problemError(problem, status, { fallbackTitle = 'HTTP error', retryAfter = null } = {}) {
  const valid = problem && typeof problem === 'object' && typeof problem.type === 'string' ? problem : null;
  const title = valid?.title ?? fallbackTitle;
  const detail = valid?.detail ? `: ${valid.detail}` : '';
  return new HarkError(`${status} ${title}${detail}`, { status, type: typeOf(valid?.type) ?? 'http', problem: valid, retryAfter });
}

function retryAfterMs(response) {
  const value = response.headers.get('retry-after');
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - Date.now());
}

export async function errorFrom(response) {
  let text = '';
  try {
    text = await response.text();
  } catch {
    // The status says enough.
  }
  return problemError(parseJson(text), response.status, { fallbackTitle: response.statusText || 'HTTP error', retryAfter: retryAfterMs(response) });
}

// What a failure calls for: try again soon, try again much later, or end the subscription.
export function classify(error) {
  // The server answers HTTP but the socket would not open: a proxy in the way, or a refusal the browser hides.
  if (error.type === 'upgrade-failed') return 'server';
  const s = error.status;
  if (s === 0 || s === 408) return 'network';
  // A 403 for the iframe's origin is the server's configuration, not the subscriber's token.
  if (s === 401 || (s === 403 && error.type !== 'origin-not-allowed')) return 'expired';
  if (s === 410) return 'closed';
  if (s >= 500 || s === 429 || (s >= 200 && s < 300)) return 'server';
  return 'failed';
}

/**
 * Calls the page's handler `name` of `options` with `args`. A handler that throws must not stop what called it nor make
 * a message be delivered again: its error goes to `onError` (unless that is what threw), else to the page's error reporting.
 */
export function callHandler(options, name, ...args) {
  const fn = options[name];
  if (typeof fn !== 'function') return;
  try {
    fn(...args);
  } catch (error) {
    if (name !== 'onError' && typeof options.onError === 'function') {
      try {
        options.onError(new HarkError(`${name} threw: ${error?.message ?? error}`, { type: 'callback', cause: error }));
        return;
      } catch {
        // Fall through to the page's error reporting.
      }
    }
    reportUncaught(error);
  }
}
