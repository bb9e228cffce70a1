// Type declarations for hark.js, the Hark browser client. See docs/client-js.md.

/** The version of this client. */
export const VERSION: string;

/** A message as the server sends it (docs/protocol.md, "The message object"). */
export interface HarkMessage<T = unknown> {
  /** The channel it was published to. */
  channel: string;
  /** Its sequence number within the channel's history: from 1, with no holes. */
  seq: number;
  /** The cursor to resume from right after this message (the subscription's token with several channels). */
  cursor: string;
  /** When it was published, UTC, `yyyy-MM-ddTHH:mm:ss.fffZ`. */
  time: string;
  /** The event name; absent when it was published without one. */
  event?: string;
  /** The payload: any JSON value, or a string for a text publish. */
  data: T;
}

/** One channel's share of a gap. */
export interface HarkGapEntry {
  channel: string;
  /** `evicted`: dropped by the history's bounds; `reset`: that history no longer exists (deleted, restarted, forgotten, or a kept cursor the server refused). */
  reason: 'evicted' | 'reset' | (string & {});
  /** How many messages were lost, when known (evicted). */
  missed?: number;
}

/** Messages after the cursor are gone; reported before the messages that follow it. */
export interface HarkGap {
  /** A cursor that accounts for the gap; null when a kept cursor was refused and the subscription started over. */
  cursor: string | null;
  gaps: HarkGapEntry[];
}

/**
 * `connecting`: the first request is on its way. `live`: answers are arriving (a long-poll is held, the
 * stream is open, or the socket is subscribed). `reconnecting`: waiting `info.delay` ms after `info.error` before trying again.
 * Terminal (nothing is called afterwards): `expired` (401/403: the token is missing, expired or does not
 * allow these channels; or the `token` function threw), `closed` (410 or `event: closed`: a channel was deleted), `failed` (any other
 * refusal, such as 400, 4400-4415 socket closes, or 403 `origin-not-allowed`), `stopped` (`close()` or the `signal` aborted).
 */
export type HarkStatus = 'connecting' | 'live' | 'reconnecting' | 'expired' | 'closed' | 'failed' | 'stopped';

/** The second argument of `onStatus`. */
export interface HarkStatusInfo {
  /** `reconnecting`: how long the client waits before the next attempt, in ms. */
  delay?: number;
  /** `reconnecting`, `expired`, `failed`, and `closed` after a 410: the error that caused it. */
  error?: HarkError | null;
  /** `closed`: the deleted channel (null when the server did not say which of several). */
  channel?: string | null;
}

export type HarkTransport = 'auto' | 'websocket' | 'sse' | 'longpoll' | 'poll' | 'iframe';

/**
 * A clock for tests. `reason` is `'retry'` (a wait after a failure), `'interval'` (between polls),
 * `'request-timeout'` (a request, a socket's subscribe or ping, given up on) or `'heartbeat'` (a quiet socket pings).
 */
export interface HarkClock {
  now(): number;
  setTimeout(fn: () => void, ms: number, reason?: 'retry' | 'interval' | 'request-timeout' | 'heartbeat'): unknown;
  clearTimeout(id: any): void;
}

/** What `storage` and `transportStorage` need of `sessionStorage` and `localStorage`. */
export interface HarkCursorStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export interface HarkRetryOptions {
  /** First wait after a network error or timeout, in ms (jittered ±25%, doubling). Default 500. */
  retryDelay?: number;
  /** Longest wait after network errors, in ms. Default 30000. */
  maxRetryDelay?: number;
  /** First wait after a 5xx or 429, in ms (jittered ±25%, doubling; at least `Retry-After`). Default 5000. */
  serverErrorDelay?: number;
  /** Longest wait after server errors, `Retry-After` included, in ms. Default 120000. */
  maxServerErrorDelay?: number;
}

export interface SubscribeOptions<T = unknown> extends HarkRetryOptions {
  /** Where Hark's endpoints are: an origin plus `MapHark` prefix, such as `https://push.example.com/push`. Default: the page's origin. Must be absolute outside a browser. */
  url?: string | URL;
  /** Same as `url`. */
  baseUrl?: string | URL;
  /**
   * Default `auto`: `websocket` where `WebSocket` exists, else `sse`, else `longpoll`, moving on to the next when one
   * cannot work here (the upgrade refused on the way, sockets cut, event streams buffered), and starting with the
   * one that worked when `transportStorage` remembers it.
   */
  transport?: HarkTransport;
  /** Where to start: a cursor, `'oldest'` (all history kept) or `'now'` (the default). A cursor kept in `storage` wins. */
  cursor?: string | 'oldest' | 'now' | null;
  /** With no cursor: start with the newest N messages of each channel. */
  last?: number;
  /** Subscriber token: `Authorization: Bearer` on fetch, `?token=` for EventSource and the iframe. A function is called before each request; if it throws, the status becomes `expired`. */
  token?: string | null | (() => string | null | undefined | Promise<string | null | undefined>);
  /** Seconds the server holds a long-poll; also how long a quiet socket waits before it pings. Default 25. */
  timeout?: number;
  /** `poll`: ms between polls. Default 5000. */
  interval?: number;
  /** The most messages per answer (the server's default is 100). */
  max?: number;
  /** Ms a request may take beyond the long-poll's own `timeout`, or a socket may take to answer its subscribe frame or a ping, before it counts as a network error. Default 15000. */
  requestTimeout?: number;
  /** Keep the cursor so a page reload resumes: `true` for `sessionStorage`, or a Storage-like object. */
  storage?: boolean | HarkCursorStorage | null;
  /** The key in `storage`. Default `hark:cursor:{url}/sub/{channels}`. */
  storageKey?: string;
  /**
   * With `auto`: where the transport that worked is kept (key `hark:transport:{url}`), so later pages start with it.
   * A fallback is kept for a day, then the better transports are tried again. Default `localStorage` in a browser;
   * `false` keeps nothing.
   */
  transportStorage?: false | null | HarkCursorStorage;
  /** Stops the subscription when aborted, like `close()`. */
  signal?: AbortSignal;
  /**
   * Who this subscriber is, for presence (`client=` on every request, `client` in the socket's subscribe frame): 1 to 64
   * characters of `A–Z a–z 0–9 . _ - : @`. On a channel that tracks presence it is listed under this id while subscribed.
   * Default `clientId`, a random id made once per page load; `null` or `false` names none. With `share`, tabs that keep
   * the default share and the leading tab's id is the one the connection names; tabs that name an id share only with
   * tabs naming the same.
   */
  client?: string | null | false;
  /**
   * Share one connection between the tabs of this origin that subscribe alike (same url, channels, token, transport,
   * `timeout`, `interval` and `max`): one tab leads and holds the connection, the others follow over a
   * BroadcastChannel, and another tab takes over from its own cursor when the leader's tab closes or freezes.
   * A string is an extra name the tabs must share too; with a `token` function, only a string shares.
   * Needs `BroadcastChannel` (and elects by `navigator.locks` where there is one); without it each tab connects. Default off.
   */
  share?: boolean | string;
  /** The tab's part in a share, on each change (`share` only). */
  onRole?(role: 'leader' | 'follower'): void;
  /** Injected `BroadcastChannel` constructor for `share`; `null` turns sharing off. Default `globalThis.BroadcastChannel`. */
  BroadcastChannel?: { new (name: string): BroadcastChannel } | null;
  /** Injected Web Locks (`navigator.locks`) for `share`; `null` elects over the BroadcastChannel instead. */
  locks?: Pick<LockManager, 'request'> | null;
  /** Without Web Locks: how often the leading tab beats, in ms (followers take over after three missed). Default 1000. */
  shareBeat?: number;
  /** Without Web Locks: how long a claim waits for a leader or a lower claim before it leads, in ms. Default 200. */
  shareClaim?: number;
  /** Every message, once, in order. */
  onMessage?(message: HarkMessage<T>): void;
  /** Messages were lost (evicted or reset); called before the messages that follow. */
  onGap?(gap: HarkGap): void;
  /** Every change of status; `reconnecting` is reported before each wait. */
  onStatus?(status: HarkStatus, info: HarkStatusInfo): void;
  /** A channel was deleted (410 or `event: closed`); the status becomes `closed`. */
  onClosed?(channel: string | null): void;
  /** Every failure, retried ones too (`error.willRetry`), and exceptions thrown by the other callbacks (`type: 'callback'`). */
  onError?(error: HarkError): void;
  /** Injected for tests or other environments. Default `globalThis.fetch`. */
  fetch?: typeof fetch;
  /** Injected `EventSource` constructor; `null` disables SSE. Default `globalThis.EventSource`. */
  EventSource?: { new (url: string): EventSource } | null;
  /** Injected `WebSocket` constructor; `null` disables the WebSocket transport. Default `globalThis.WebSocket`. */
  WebSocket?: { new (url: string): WebSocket } | null;
  /** The window the iframe transport uses (its `document`, `location`, `message` and `online` events). Default `window`. */
  window?: Window;
  /** Random numbers in [0, 1) for jitter. Default `Math.random`. */
  random?: () => number;
  /** Timers and time. Default the global ones. */
  clock?: Partial<HarkClock>;
}

/** What `subscribe` returns. */
export interface Subscription {
  /** The latest cursor: after the last delivered message, or the position of the last answer. Null until known. */
  readonly cursor: string | null;
  readonly status: HarkStatus;
  /** The transport in use: `auto` resolves to `websocket`, `sse` or `longpoll`, and changes when it falls back. */
  readonly transport: Exclude<HarkTransport, 'auto'>;
  readonly channels: readonly string[];
  /** The client id this subscription names for presence, or null. */
  readonly client: string | null;
  /** With `share`: whether this tab holds the connection (`leader`) or is passed its messages (`follower`); null otherwise. */
  readonly role: 'leader' | 'follower' | null;
  /** Resolves with the cursor once live for the first time, or with null if the subscription ends before. Never rejects. */
  readonly ready: Promise<string | null>;
  /** Stops at once: aborts the request in flight, closes the stream, clears timers. Status `stopped`. */
  close(): void;
}

/** Subscribes to one channel, several (an array, or names joined by `,`), and calls `onMessage` with each message once, in order. */
export function subscribe<T = unknown>(channels: string | readonly string[], options?: SubscribeOptions<T>): Subscription;

/** The random id made once per page load (`p-` and 18 hex digits): the `client` every subscription names by default. */
export const clientId: string;

/** A client present on a channel (docs/protocol.md, "Presence"). */
export interface PresentClient {
  /** The id it subscribed with (`client`). */
  client: string;
  /** Who its credentials named (a token's `sub`, the authorization hook's `user`); null without credentials. */
  user: string | null;
  /** How it last came: `longpoll`, `poll`, `sse`, `ndjson`, `iframe` or `ws`. */
  transport: 'longpoll' | 'poll' | 'sse' | 'ndjson' | 'iframe' | 'ws' | (string & {});
  /** When it joined, UTC, `yyyy-MM-ddTHH:mm:ss.fffZ`; null for a leave of a client the list did not show. */
  since: string | null;
}

/** A client that left: `closed` (its stream or socket ended), `expired` (its grace passed, or its node is gone), `unknown` (found gone by reading the list again after a gap). */
export interface PresenceLeave extends PresentClient {
  reason: 'closed' | 'expired' | 'unknown' | (string & {}) | null;
}

export interface PresenceOptions extends HarkRetryOptions {
  /** As for `subscribe`. */
  url?: string | URL;
  baseUrl?: string | URL;
  /** A subscriber token that may read the channel: `Authorization: Bearer` on the list, and the companion subscription's token. */
  token?: SubscribeOptions['token'];
  /** A publisher key (for a backend), sent as `Authorization: Bearer` on the list instead of `token`. */
  key?: string;
  /** List at most this many clients (0 to the server's `Hark:Presence:MaxListed`); `count` stays the whole number. Default: the server's maximum. */
  limit?: number;
  /** The companion subscription's transport, as for `subscribe`. Default `auto`. */
  transport?: HarkTransport;
  /** As for `subscribe`: the companion subscription's long-poll hold, and a quiet socket's ping. Default 25. */
  timeout?: number;
  /** Ms a request may take before it counts as a network error. Default 15000. */
  requestTimeout?: number;
  /** Stops following when aborted, like `close()`. */
  signal?: AbortSignal;
  /** After the list is read and after every join or leave, with the handle. */
  onChange?(presence: Presence): void;
  /** A client joined (once while present). */
  onJoin?(client: PresentClient): void;
  /** A client left. */
  onLeave?(client: PresenceLeave): void;
  /** As for `subscribe`: `connecting`, `live`, `reconnecting`, then `expired`, `failed` or `stopped`. */
  onStatus?(status: HarkStatus, info: HarkStatusInfo): void;
  /** Every failure, retried ones too (`error.willRetry`); `presence-off` when the channel does not track presence. */
  onError?(error: HarkError): void;
  fetch?: typeof fetch;
  EventSource?: SubscribeOptions['EventSource'];
  WebSocket?: SubscribeOptions['WebSocket'];
  window?: Window;
  transportStorage?: SubscribeOptions['transportStorage'];
  random?: () => number;
  clock?: Partial<HarkClock>;
}

/** What `presence` returns: the list as it is now, kept up to date. */
export interface Presence {
  readonly channel: string;
  /** Who is present, earliest first (at most `limit`): a new array each time. */
  readonly clients: PresentClient[];
  /** How many are present: exact when read, then moved by each join and leave. */
  readonly count: number;
  readonly status: HarkStatus;
  /** The companion channel's cursor the list is up to date with. */
  readonly cursor: string | null;
  /** Whether a client id is listed. */
  has(client: string): boolean;
  /** A listed client, or null. */
  get(client: string): PresentClient | null;
  /** Resolves with the list's cursor once it is first read, or with null if it ends before. Never rejects. */
  readonly ready: Promise<string | null>;
  /** Stops following. Status `stopped`. */
  close(): void;
}

/**
 * Who is on a channel that tracks presence, kept up to date: reads `GET /pub/{channel}/presence`, then follows the
 * joins and leaves on `~presence.{channel}` from the list's cursor, and reads the list again after a gap.
 */
export function presence(channel: string, options?: PresenceOptions): Presence;

export interface PublishOptions {
  /** As for `subscribe`. */
  url?: string | URL;
  baseUrl?: string | URL;
  /** The event name. */
  event?: string;
  /** The publisher key, sent as `Authorization: Bearer`. */
  key?: string;
  signal?: AbortSignal;
  fetch?: typeof fetch;
}

/** What a publish answers. */
export interface PublishResult {
  channel: string;
  seq: number;
  cursor: string;
  /** Waiting subscriber requests this publish woke. */
  subscribers: number;
}

/** Publishes one message: a string as text, anything else as JSON. Rejects with a `HarkError`. */
export function publish(channel: string, data: unknown, options?: PublishOptions): Promise<PublishResult>;

/** The client's wait policy, exposed for tests and for callers with their own loops. */
export interface HarkRetryPolicy {
  succeeded(): void;
  afterNetworkError(): number;
  afterServerError(retryAfter?: number | null): number;
}

export function createRetryPolicy(options?: HarkRetryOptions, random?: () => number): HarkRetryPolicy;

/** A failed request or a refused subscription. */
export class HarkError extends Error {
  constructor(message: string, init?: { status?: number; type?: string; problem?: unknown; retryAfter?: number | null; cause?: unknown });
  readonly name: 'HarkError';
  /** The HTTP status (for a socket closed with 4000 + status, that status), or 0 when no answer came. */
  status: number;
  /**
   * The problem type without `urn:hark:problem:` (such as `channel-closed`, or `slow-consumer` for a socket closed
   * with 4408), or `network`, `timeout`, `bad-response`, `http`, `callback`, `token`, `upgrade-failed` (the server
   * answers HTTP but the socket would not open), `internal-error` (a socket closed with 1011).
   */
  type: string;
  /** The RFC 9457 problem body, when there was one. */
  problem: { type: string; title?: string; status?: number; detail?: string; [key: string]: unknown } | null;
  /** `Retry-After` in ms, when sent. */
  retryAfter: number | null;
  /** Whether the subscription tries again after it. */
  willRetry: boolean;
}
