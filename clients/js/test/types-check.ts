// Compiled with `npm run typecheck` (tsc --noEmit): the declarations describe how the client is used.
import { subscribe, publish, presence, clientId, createRetryPolicy, HarkError, VERSION, type HarkMessage, type HarkStatus, type Subscription, type Presence, type PresentClient } from '../hark.js';

interface Note { text: string }

const sub: Subscription = subscribe<Note>(['inbox', 'alerts'], {
  url: 'https://push.example.com/push',
  transport: 'auto',
  cursor: 'oldest',
  token: async () => 'jwt',
  storage: true,
  timeout: 25,
  onMessage(m: HarkMessage<Note>) {
    const text: string = m.data.text;
    const seq: number = m.seq;
    const event: string | undefined = m.event;
    void [text, seq, event, m.cursor, m.time, m.channel];
  },
  onGap(gap) {
    for (const g of gap.gaps) void [g.channel, g.reason, g.missed];
  },
  onStatus(status: HarkStatus, info) {
    if (status === 'reconnecting') void info.delay;
  },
  onClosed(channel) {
    void channel;
  },
  onError(e) {
    if (e.type === 'invalid-token') void e.problem?.detail;
    void [e.status, e.willRetry, e.retryAfter];
  },
});
const cursor: string | null = sub.cursor;
const ready: Promise<string | null> = sub.ready;
const t: 'websocket' | 'sse' | 'longpoll' | 'poll' | 'iframe' = sub.transport;
sub.close();
subscribe('one', { transport: 'poll', interval: 1000, last: 5, EventSource: null, signal: new AbortController().signal });
const shared = subscribe('four', { share: true, onRole: (role) => void role, BroadcastChannel: null, locks: null, shareBeat: 500, shareClaim: 100 });
const role: 'leader' | 'follower' | null = shared.role;
void role;
subscribe('two', { transport: 'websocket', WebSocket: globalThis.WebSocket, transportStorage: false });
subscribe('three', { transportStorage: { getItem: () => null, setItem() {}, removeItem() {} }, clock: { setTimeout: (fn, ms, reason) => (reason === 'heartbeat' ? setTimeout(fn, ms) : 0) } });

subscribe('room.1', { client: 'phone-1' });
subscribe('room.2', { client: null });
const me: string = clientId;
const room: Presence = presence('room.1', {
  token: () => 'jwt',
  limit: 10,
  transport: 'longpoll',
  onChange(p) {
    const list: PresentClient[] = p.clients;
    void [list.map((c) => [c.client, c.user, c.transport, c.since]), p.count, p.has(me)];
  },
  onJoin(c) {
    void c.client;
  },
  onLeave(c) {
    if (c.reason === 'expired') void c.user;
  },
});
const here: number = room.count;
const since: string | null | undefined = room.get(me)?.since;
await room.ready;
room.close();
void [here, since, sub.client];

const result = await publish('inbox', { text: 'hi' }, { event: 'note', key: 'k' });
const seq: number = result.seq;
const wait: number = createRetryPolicy({ retryDelay: 100 }).afterServerError(null);
const error = new HarkError('x', { status: 503 });
const v: string = VERSION;
void [cursor, ready, t, seq, wait, error instanceof Error, v];
