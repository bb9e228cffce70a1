// A live panel of the demo page: one hark.js subscription on one transport, shown in a PanelView.
import { subscribe } from '/hark.js';
import { clock } from './view.js';

export const POLL_TIMEOUT = 25; // seconds the server holds a long-poll

const STATES = { connecting: 'connecting', live: 'waiting', reconnecting: 'retrying' };

export class Panel {
  constructor(view, transport) {
    this.view = view;
    this.transport = transport;
    this.channel = null;
    this.sub = null;
    this.generation = 0; // which subscription the callbacks are from: hark.js calls onStatus before subscribe() returns
    this.paused = false;
    this.ready = Promise.resolve();
    // The panels' counters come from the transports themselves, through hark.js's injection points.
    this.fetch = (...args) => {
      if (this.transport === 'longpoll') view.bump('requests');
      return fetch(...args);
    };
    this.EventSource = typeof EventSource === 'undefined' ? null : class extends EventSource {
      constructor(...args) {
        super(...args);
        view.bump('connections');
      }
    };
  }

  subscribe(channel, cursor = 'now') {
    this.stop();
    this.channel = channel;
    this.view.cursor(cursor === 'now' ? null : cursor);
    if (this.paused) {
      this.view.state('paused');
      this.view.detail(`Paused. Resume starts following ‘${channel}’.`);
      this.ready = Promise.resolve();
      return;
    }
    const generation = ++this.generation;
    this.sub = subscribe(channel, {
      transport: this.transport,
      timeout: POLL_TIMEOUT,
      cursor,
      transportStorage: false,
      fetch: this.fetch,
      EventSource: this.EventSource,
      onMessage: (message) => {
        this.view.feed.message(message);
        this.view.bump('messages');
        this.view.cursor(message.cursor);
        this.view.detail(`Received message #${message.seq} at ${clock()}.`);
      },
      onGap: (gap) => {
        this.view.feed.gap(gap.gaps);
        this.view.bump('gaps', Math.max(1, gap.gaps.length));
      },
      onStatus: (status, info) => {
        if (generation === this.generation) this.status(generation, this.sub?.cursor ?? null, status, info);
      },
    });
    this.ready = this.sub.ready;
  }

  status(generation, cursor, status, info) {
    if (cursor !== null) this.view.cursor(cursor);
    switch (status) {
      case 'connecting':
        this.view.state('connecting');
        this.view.detail('Asking where “now” is…');
        break;
      case 'live':
        this.view.state(this.transport === 'sse' ? 'open' : 'waiting', this.transport === 'sse' ? 'open' : 'waiting');
        this.view.detail(this.transport === 'sse'
          ? 'Stream open: messages arrive as they are published; a reconnect resumes from the last id.'
          : `Each request is held up to ${POLL_TIMEOUT} s until something is published, then asked again at once.`);
        break;
      case 'reconnecting':
        this.view.state('retrying');
        this.view.detail(`${info?.error?.message ?? 'Interrupted'}; retrying in ${(info.delay / 1000).toFixed(1)} s from the same cursor.`);
        break;
      case 'closed': {
        // Deleted while we listened: follow the channel on from the same cursor; the next answer reports the reset as a gap.
        this.view.feed.notice('closed', 'Channel deleted', ` (${this.transport === 'sse' ? 'event: closed' : '410 Gone'}). Following on from the same cursor.`);
        setTimeout(() => { if (generation === this.generation) this.subscribe(this.channel, cursor ?? 'now'); }, 500);
        break;
      }
      case 'expired':
      case 'failed':
        this.view.state('error', 'stopped');
        this.view.detail(`Stopped: ${info?.error?.message ?? status}`);
        this.view.feed.notice('error', 'Stopped:', ` ${info?.error?.message ?? status}`);
        break;
      default:
        this.view.state(STATES[status] ?? status);
    }
  }

  unsubscribe(reason) {
    this.stop();
    this.channel = null;
    this.view.cursor(null);
    this.view.state('idle', 'idle');
    this.view.detail(reason);
  }

  stop() {
    this.generation++;
    this.sub?.close();
    this.sub = null;
  }

  togglePause() {
    this.paused = !this.paused;
    this.view.paused(this.paused);
    if (this.paused) {
      const cursor = this.sub?.cursor ?? null;
      this.stop();
      this.resumeFrom = cursor;
      this.view.state('paused');
      this.view.detail(cursor
        ? `Paused at cursor ${cursor}. Messages published now wait in the channel's history; Resume asks for everything after it.`
        : 'Paused.');
    } else if (this.channel) {
      this.subscribe(this.channel, this.resumeFrom ?? 'now');
      this.resumeFrom = null;
    }
  }
}


