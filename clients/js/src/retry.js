import { DEFAULTS } from './util.js';

/**
 * Waits after failures: a network error or timeout starts at about `retryDelay` and doubles to
 * `maxRetryDelay`; a server error (5xx, 429) starts at `serverErrorDelay` and doubles to
 * `maxServerErrorDelay`, never shorter than its `Retry-After` (but never past that cap). Each wait is
 * jittered by ±25% so that clients cut off together do not come back together.
 */
export function createRetryPolicy(options = {}, random = Math.random) {
  const o = { ...DEFAULTS, ...options };
  let network = 0;
  let server = 0;
  const wait = (first, cap, failures) => {
    const grown = Math.min(cap, first * 2 ** Math.min(failures, 30));
    return Math.round(Math.min(cap, grown * (0.75 + random() * 0.5)));
  };
  return {
    succeeded() {
      network = 0;
      server = 0;
    },
    afterNetworkError() {
      return wait(o.retryDelay, o.maxRetryDelay, network++);
    },
    afterServerError(retryAfter) {
      const jittered = wait(o.serverErrorDelay, o.maxServerErrorDelay, server++);
      return Math.min(o.maxServerErrorDelay, Math.max(jittered, retryAfter ?? 0));
    },
  };
}
