// The long-poll panel's client.
import { Follower } from './follower.js';
import { POLL_TIMEOUT, clock, plural, seconds, backoff, sleep, isProblem, problemType, subUrl, readBody } from './util.js';

// ---------------------------------------------------------------- long-poll

export class LongPollClient extends Follower {
  constructor(view) {
    super(view);
    this.run = null; // AbortController of the running loop
    this.onMessage = null;
  }

  pausedDetail() {
    return this.cursor
      ? `Paused at cursor ${this.cursor}. Messages published now wait in the channel's history; Resume asks for everything after this cursor.`
      : 'Paused.';
  }

  stop() {
    this.run?.abort();
    this.run = null;
  }

  start() {
    this.stop();
    const run = new AbortController();
    this.run = run;
    this.loop(this.channel, run.signal).catch((error) => {
      if (run.signal.aborted) return;
      this.view.state('error', 'stopped');
      this.view.detail(`Stopped: ${error?.message ?? error}`);
    });
  }

  async loop(channel, signal) {
    let failures = 0;
    while (!signal.aborted) {
      const first = this.cursor === null;
      // The first request asks where "now" is (timeout=0 answers at once); later ones are held.
      const url = first
        ? subUrl(channel, { timeout: 0 })
        : subUrl(channel, { cursor: this.cursor, timeout: POLL_TIMEOUT });
      this.view.state(first ? 'connecting' : 'waiting');
      if (failures > 0) this.view.detail(`Retry ${failures}: request sent, waiting for an answer…`);
      this.view.bump('requests');
      const started = performance.now();

      let response;
      let body;
      try {
        response = await fetch(url, { signal, cache: 'no-store', headers: { Accept: 'application/json' } });
        body = await readBody(response);
      } catch (error) {
        if (signal.aborted) return;
        failures += 1;
        const delay = backoff(failures);
        this.view.state('retrying');
        this.view.detail(`No answer (${error?.message || 'network error'}); retry ${failures} in ${seconds(delay)}.`);
        await sleep(delay, signal);
        continue;
      }
      if (signal.aborted) return;

      const batch = body.json;
      if (response.ok && batch && Array.isArray(batch.messages) && typeof batch.cursor === 'string') {
        failures = 0;
        if (batch.gap) {
          this.view.feed.gap(batch.gaps);
          this.view.bump('gaps', Array.isArray(batch.gaps) && batch.gaps.length > 0 ? batch.gaps.length : 1);
        }
        for (const message of batch.messages) {
          this.view.feed.message(message);
          this.onMessage?.(message);
        }
        const count = batch.messages.length;
        this.view.bump('messages', count);
        this.cursor = batch.cursor;
        this.view.cursor(batch.cursor);
        if (first) {
          this.markReady();
          this.view.detail(`Got the “now” cursor; each request is now held up to ${POLL_TIMEOUT} s until something is published.`);
        } else if (count > 0) {
          this.view.detail(`Received ${plural(count, 'message')} at ${clock()}; asked again at once.`);
        } else if (batch.gap) {
          this.view.detail(`Told about a gap at ${clock()}; carrying on from the new cursor.`);
        } else {
          this.view.detail(`Nothing new within ${POLL_TIMEOUT} s (a normal empty answer at ${clock()}); asked again.`);
          // An empty answer that came back early (a server shutting down, say) must not become a busy loop.
          if (performance.now() - started < 1000) await sleep(1000, signal);
        }
        continue;
      }

      if (response.status === 410) {
        // The channel was deleted while we waited. Keep the cursor: the next answer reports the reset
        // as a gap and then delivers whatever is published to the re-created channel.
        this.view.feed.notice('closed', 'Channel deleted', 'while the request waited (410 Gone). Polling on from the same cursor.');
        this.view.detail(`Channel deleted at ${clock()}; still listening.`);
        await sleep(500, signal);
        continue;
      }

      const summary = isProblem(batch)
        ? `${response.status} ${batch.title}${batch.detail ? `: ${batch.detail}` : ''}`
        : `${response.status} ${response.statusText || 'unexpected answer'}`;

      if (response.status >= 500 || response.status === 408 || response.status === 429 || response.ok) {
        failures += 1;
        const delay = backoff(failures);
        this.view.state('retrying');
        this.view.detail(`${summary}; retry ${failures} in ${seconds(delay)}.`);
        await sleep(delay, signal);
        continue;
      }

      if (!first && problemType(batch) === 'invalid-cursor') {
        this.view.feed.notice('warn', 'Cursor refused:', `${batch.detail ?? ''} Starting again from now; anything in between is not shown.`);
        this.cursor = null;
        continue;
      }

      // Any other 4xx will not get better by asking again.
      this.view.state('error', 'stopped');
      this.view.detail(summary);
      this.view.feed.notice('error', `${response.status} ${isProblem(batch) ? batch.title : response.statusText}`, isProblem(batch) ? ` ${batch.detail ?? ''}` : '');
      this.markReady();
      this.run = null;
      return;
    }
  }
}
