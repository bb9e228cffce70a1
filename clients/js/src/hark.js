// Hark browser client: subscribe to channels over WebSocket, Server-Sent Events, long-poll, plain polling or a
// forever-iframe, resuming from the cursor after any interruption; follow who is on a channel; and publish. An ES module with no
// dependencies, for modern browsers (and Node 18+ for fetch-based transports). See docs/client-js.md.
import { Presence } from './presence.js';
import { Subscription } from './subscription.js';
import { channelList } from './util.js';

export { HarkError } from './errors.js';
export { createRetryPolicy } from './retry.js';
export { publish } from './publish.js';
export { clientId } from './util.js';

export const VERSION = '1.2.0';

/**
 * Subscribes to one or more channels and calls `onMessage` with every message exactly once, in order,
 * resuming from the cursor after any interruption. Returns a handle with `cursor`, `status`,
 * `transport`, `ready` and `close()`.
 */
export function subscribe(channels, options = {}) {
  return new Subscription(channelList(channels), options).handle;
}

/**
 * Who is on a channel that tracks presence, kept up to date: reads the list, then follows the joins and leaves
 * from its cursor (reading the list again after a gap). Returns a handle with `clients`, `count`, `has()`,
 * `status`, `ready` and `close()`.
 */
export function presence(channel, options = {}) {
  return new Presence(channel, options).handle;
}
