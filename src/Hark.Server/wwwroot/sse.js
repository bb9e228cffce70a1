// The Server-Sent Events panel's client.
import { Follower } from './follower.js';
import { clock, plural, seconds, backoff, isProblem, problemType, parseJson, parsePosition, subUrl, readBody } from './util.js';

// ---------------------------------------------------------------- Server-Sent Events

export class SseClient extends Follower {
  constructor(view) {
    super(view); // this.cursor: the last id: seen, to resume when the page (not the browser) reconnects
    this.source = null;
    this.last = null; // { epoch, seq } of the last message, to notice a jump in sequence numbers
    this.failures = 0;
    this.generation = 0;
    this.retryTimer = null;
  }

  reset() {
    this.last = null;
    this.failures = 0;
  }

  pausedDetail() {
    return this.cursor
      ? `Paused after ${this.cursor}. Resume opens a new EventSource with ?cursor= and receives what was missed.`
      : 'Paused. With no message seen yet, Resume starts from now.';
  }

  stop() {
    this.generation += 1;
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
    if (this.source) {
      this.source.close();
      this.source = null;
    }
  }

  start() {
    this.stop();
    const generation = this.generation;
    const resuming = this.cursor !== null;
    const source = new EventSource(subUrl(this.channel, { envelope: 1, cursor: this.cursor }));
    this.source = source;
    this.view.state('connecting');

    source.onopen = (event) => {
      if (event instanceof MessageEvent) return this.handleEnvelope(event); // a message named "open"
      if (generation !== this.generation) return;
      this.failures = 0;
      this.view.bump('connections');
      this.view.state('open');
      this.view.detail(resuming || this.cursor
        ? `Connected at ${clock()}, resuming after ${this.cursor}.`
        : `Connected at ${clock()}; the stream stays open and delivers each message as it is published.`);
      this.markReady();
    };

    source.onmessage = (event) => this.handleEnvelope(event);

    source.onerror = (event) => {
      if (event instanceof MessageEvent) return this.handleEnvelope(event); // a message named "error"
      if (generation !== this.generation) return;
      if (source.readyState === EventSource.CONNECTING) {
        this.view.state('reconnecting');
        this.view.detail('Connection lost; the browser reconnects by itself and sends Last-Event-ID, so nothing is missed.');
        return;
      }
      // CLOSED: the browser gave up (an HTTP error or an unexpected content type). Find out why.
      this.source = null;
      this.diagnose(generation);
    };

    source.addEventListener('gap', (event) => {
      const data = parseJson(event.data);
      if (data && typeof data === 'object' && 'seq' in data) return this.handleEnvelope(event); // a message named "gap"
      this.setCursor(event.lastEventId || data?.cursor || this.cursor);
      this.last = parsePosition(this.cursor);
      this.view.feed.gap(data?.gaps);
      this.view.bump('gaps', Array.isArray(data?.gaps) && data.gaps.length > 0 ? data.gaps.length : 1);
      this.view.detail(`Told about a gap at ${clock()}; carrying on.`);
    });

    source.addEventListener('closed', (event) => {
      const data = parseJson(event.data);
      if (data && typeof data === 'object' && 'seq' in data) return this.handleEnvelope(event); // a message named "closed"
      this.view.feed.notice('closed', 'Channel deleted', '(event: closed). The server ends the stream; the browser reconnects and resumes.');
    });

  }

  handleEnvelope(event) {
    const message = parseJson(event.data);
    if (!message || typeof message !== 'object' || !('seq' in message)) {
      this.view.feed.notice('warn', 'Unreadable event:', ` ${String(event.data).slice(0, 200)}`);
      return;
    }
    const position = parsePosition(message.cursor);
    if (this.last && position && position.epoch === this.last.epoch && position.seq > this.last.seq + 1) {
      const skipped = position.seq - this.last.seq - 1;
      this.view.feed.notice('skip', `${plural(skipped, 'message')} not shown:`,
        ' the sequence jumped without a gap notice, which the server should never do.');
    }
    if (position) this.last = position;
    this.setCursor(event.lastEventId || message.cursor);
    this.view.feed.message(message);
    this.view.bump('messages');
    this.view.detail(`Received #${message.seq} at ${clock()}; the stream stays open.`);
  }

  setCursor(cursor) {
    if (!cursor) return;
    this.cursor = cursor;
    this.view.cursor(cursor);
  }

  /** The browser closed the EventSource for good; ask the same URL as a plain poll to learn why. */
  async diagnose(generation) {
    this.failures += 1;
    const delay = backoff(this.failures);
    this.view.state('retrying');
    let why = 'The stream could not be opened';
    try {
      const response = await fetch(subUrl(this.channel, { cursor: this.cursor, timeout: 0 }), { cache: 'no-store' });
      const body = await readBody(response);
      if (generation !== this.generation) return;
      if (!response.ok && response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429) {
        const problem = isProblem(body.json) ? body.json : null;
        if (problem && problemType(problem) === 'invalid-cursor' && this.cursor) {
          this.view.feed.notice('warn', 'Cursor refused:', ` ${problem.detail ?? ''} Starting again from now.`);
          this.cursor = null;
          this.last = null;
          this.view.cursor(null);
          this.start();
          return;
        }
        this.view.state('error', 'stopped');
        this.view.detail(`${response.status} ${problem?.title ?? response.statusText}${problem?.detail ? `: ${problem.detail}` : ''}`);
        this.view.feed.notice('error', `${response.status} ${problem?.title ?? response.statusText}`, problem?.detail ? ` ${problem.detail}` : '');
        this.markReady();
        return;
      }
      why = `The stream ended (${response.status} on a plain poll)`;
    } catch (error) {
      if (generation !== this.generation) return;
      why = `The server is unreachable (${error?.message || 'network error'})`;
    }
    this.view.detail(`${why}; reopening in ${seconds(delay)}.`);
    this.retryTimer = setTimeout(() => {
      if (generation === this.generation) this.start();
    }, delay);
  }
}
