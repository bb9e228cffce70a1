// Hark browser client: subscribe to channels over WebSocket, Server-Sent Events, long-poll, plain polling or a
// forever-iframe, resuming from the cursor after any interruption; and publish. An ES module with no
// dependencies, for modern browsers (and Node 18+ for fetch-based transports). See docs/client-js.md.
import { Subscription } from './subscription.js';
import { channelList } from './util.js';

export { HarkError } from './errors.js';
export { createRetryPolicy } from './retry.js';
export { publish } from './publish.js';

export const VERSION = '1.1.0';

/**
 * Subscribes to one or more channels and calls `onMessage` with every message exactly once, in order,
 * resuming from the cursor after any interruption. Returns a handle with `cursor`, `status`,
 * `transport`, `ready` and `close()`.
 */
export function subscribe(channels, options = {}) {
  return new Subscription(channelList(channels), options).handle;
}
