// Hark demo page: publish form, a long-poll panel and an SSE panel on the same channel.
// Message content is only ever put into the page with textContent / text nodes.

const CHANNEL_NAME = /^[A-Za-z0-9._:@~-]{1,128}$/;
const EVENT_NAME = /^[A-Za-z0-9._:/-]{1,64}$/;
const MAX_ROWS = 200;
const POLL_TIMEOUT = 25; // seconds the server holds a long-poll
const JSON_SAMPLE = '{"text": "Hello from the demo page"}';
const TEXT_SAMPLE = 'Hello from the demo page';

// ---------------------------------------------------------------- helpers

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'class') node.className = value;
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children) {
    if (child !== null && child !== undefined) node.append(child); // strings become text nodes
  }
  return node;
}

function pad(n, width = 2) {
  return String(n).padStart(width, '0');
}

function clock(date = new Date()) {
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

function formatTime(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso ?? '');
  return `${clock(date)}.${pad(date.getMilliseconds(), 3)}`;
}

function formatData(data) {
  if (typeof data === 'string') return { text: data, kind: 'text' };
  const compact = JSON.stringify(data);
  if (compact === undefined) return { text: '(no data)', kind: 'text' };
  return { text: compact.length <= 72 ? compact : JSON.stringify(data, null, 2), kind: 'json' };
}

function plural(n, word) {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function seconds(ms) {
  return `${(ms / 1000).toFixed(ms < 10000 ? 1 : 0)} s`;
}

/** Exponential backoff with jitter: about 1 s, 2 s, 4 s … up to 10 s. */
function backoff(failures) {
  const base = Math.min(1000 * 2 ** Math.max(0, failures - 1), 10000);
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

/** Resolves after ms, or at once when the signal aborts. */
function sleep(ms, signal) {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Reads a response body as text and, when it parses, as JSON. */
async function readBody(response) {
  const text = await response.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  return { text, json };
}

function isProblem(json) {
  return json !== null && typeof json === 'object' && typeof json.title === 'string' && 'status' in json;
}

function problemType(json) {
  return isProblem(json) && typeof json.type === 'string' ? json.type.split(':').pop() : '';
}

function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** A one-channel cursor is "<epoch>:<seq>"; anything else (a multi-channel token) gives null. */
function parsePosition(cursor) {
  if (typeof cursor !== 'string') return null;
  const at = cursor.lastIndexOf(':');
  if (at <= 0) return null;
  const seq = Number(cursor.slice(at + 1));
  return Number.isSafeInteger(seq) ? { epoch: cursor.slice(0, at), seq } : null;
}

function subUrl(channel, params) {
  const query = Object.entries(params)
    .filter(([, value]) => value !== null && value !== undefined && value !== '')
    .map(([key, value]) => `${key}=${encodeURIComponent(value)}`)
    .join('&');
  return `/sub/${encodeURIComponent(channel)}${query ? `?${query}` : ''}`;
}

function describeGap(gap) {
  const where = gap.channel ? `‘${gap.channel}’: ` : '';
  if (gap.reason === 'evicted') {
    const missed = typeof gap.missed === 'number' ? plural(gap.missed, 'message') : 'Some messages';
    return `${where}${missed} left the history before they were read.`;
  }
  if (gap.reason === 'reset') {
    return `${where}the channel's history was re-created (deleted, or the server restarted); older messages are gone.`;
  }
  return `${where}${gap.reason ?? 'unknown reason'}.`;
}

// ---------------------------------------------------------------- a panel's view

class Feed {
  constructor(list) {
    this.list = list;
  }

  add(row) {
    this.list.prepend(row);
    while (this.list.childElementCount > MAX_ROWS) this.list.lastElementChild.remove();
  }

  message(message) {
    const { text, kind } = formatData(message.data);
    const meta = el('div', { class: 'meta' },
      el('span', { class: 'seq', title: `cursor ${message.cursor ?? ''}` }, `#${message.seq}`),
      message.event !== undefined && message.event !== null
        ? el('span', { class: 'event', title: 'event name' }, String(message.event))
        : null,
      el('time', { datetime: message.time, title: message.time }, formatTime(message.time)));
    this.add(el('li', { class: 'row msg' }, meta, el('pre', { class: `data ${kind}` }, text)));
  }

  notice(kind, title, detail) {
    this.add(el('li', { class: `row notice ${kind}` },
      el('span', { class: 'when' }, clock()),
      el('strong', {}, title),
      detail ? el('span', {}, detail) : null));
  }

  gap(gaps) {
    const list = Array.isArray(gaps) && gaps.length > 0 ? gaps : [{ reason: 'unknown' }];
    for (const gap of list) this.notice('gap', 'Gap:', describeGap(gap));
  }

  clear() {
    this.list.replaceChildren();
  }
}

class PanelView {
  constructor(root) {
    this.root = root;
    this.pill = root.querySelector('.pill');
    this.pillText = root.querySelector('.pill-text');
    this.detailEl = root.querySelector('[data-field="detail"]');
    this.cursorEl = root.querySelector('[data-field="cursor"]');
    this.stats = new Map();
    for (const dd of root.querySelectorAll('[data-stat]')) this.stats.set(dd.dataset.stat, { node: dd, value: 0 });
    this.feed = new Feed(root.querySelector('.feed'));
    this.pauseButton = root.querySelector('[data-action="pause"]');
  }

  state(state, label = state) {
    if (this.pill.dataset.state !== state) this.pill.dataset.state = state;
    if (this.pillText.textContent !== label) this.pillText.textContent = label;
  }

  detail(text) {
    this.detailEl.textContent = text;
  }

  cursor(cursor) {
    this.cursorEl.textContent = cursor || 'none yet';
  }

  bump(name, by = 1) {
    const stat = this.stats.get(name);
    if (!stat || by === 0) return;
    stat.value += by;
    stat.node.textContent = stat.value.toLocaleString();
  }

  paused(isPaused) {
    this.pauseButton.textContent = isPaused ? 'Resume' : 'Pause';
    this.pauseButton.setAttribute('aria-pressed', String(isPaused));
  }
}

// ---------------------------------------------------------------- long-poll

class LongPollClient {
  constructor(view) {
    this.view = view;
    this.channel = null;
    this.cursor = null;
    this.run = null; // AbortController of the running loop
    this.paused = false;
    this.onMessage = null;
    this.ready = Promise.resolve();
    this.markReady = () => {};
  }

  subscribe(channel) {
    this.stop();
    this.channel = channel;
    this.cursor = null;
    this.view.cursor(null);
    this.ready = new Promise((resolve) => { this.markReady = resolve; });
    if (this.paused) {
      this.view.state('paused');
      this.view.detail(`Paused. Resume starts following ‘${channel}’.`);
    } else {
      this.start();
    }
  }

  unsubscribe(reason) {
    this.stop();
    this.channel = null;
    this.cursor = null;
    this.view.cursor(null);
    this.view.state('idle', 'idle');
    this.view.detail(reason);
  }

  togglePause() {
    this.paused = !this.paused;
    this.view.paused(this.paused);
    if (this.paused) {
      this.stop();
      this.view.state('paused');
      this.view.detail(this.cursor
        ? `Paused at cursor ${this.cursor}. Messages published now wait in the channel's history; Resume asks for everything after this cursor.`
        : 'Paused.');
    } else if (this.channel) {
      this.start();
    }
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

// ---------------------------------------------------------------- Server-Sent Events

class SseClient {
  constructor(view) {
    this.view = view;
    this.channel = null;
    this.source = null;
    this.cursor = null; // last id: seen, used to resume when the page (not the browser) reconnects
    this.last = null; // { epoch, seq } of the last message, to notice named events we had no listener for
    this.paused = false;
    this.failures = 0;
    this.generation = 0;
    this.retryTimer = null;
    this.ready = Promise.resolve();
    this.markReady = () => {};
  }

  subscribe(channel) {
    this.close();
    this.channel = channel;
    this.cursor = null;
    this.last = null;
    this.failures = 0;
    this.view.cursor(null);
    this.ready = new Promise((resolve) => { this.markReady = resolve; });
    if (this.paused) {
      this.view.state('paused');
      this.view.detail(`Paused. Resume starts following ‘${channel}’.`);
    } else {
      this.open();
    }
  }

  unsubscribe(reason) {
    this.close();
    this.channel = null;
    this.cursor = null;
    this.last = null;
    this.view.cursor(null);
    this.view.state('idle', 'idle');
    this.view.detail(reason);
  }

  togglePause() {
    this.paused = !this.paused;
    this.view.paused(this.paused);
    if (this.paused) {
      this.close();
      this.view.state('paused');
      this.view.detail(this.cursor
        ? `Paused after ${this.cursor}. Resume opens a new EventSource with ?cursor= and receives what was missed.`
        : 'Paused. With no message seen yet, Resume starts from now.');
    } else if (this.channel) {
      this.open();
    }
  }

  close() {
    this.generation += 1;
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
    if (this.source) {
      this.source.close();
      this.source = null;
    }
  }

  open() {
    this.close();
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
        ' EventSource only delivers named events it has a listener for. This panel listens for each event name '
        + 'once it has seen it (in the publish form or the long-poll panel).');
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
          this.open();
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
      if (generation === this.generation) this.open();
    }, delay);
  }
}

// ---------------------------------------------------------------- page wiring

const form = document.getElementById('publish-form');
const channelInput = document.getElementById('channel');
const channelHint = document.getElementById('channel-hint');
const channelHintNodes = [...channelHint.childNodes].map((node) => node.cloneNode(true));
const eventInput = document.getElementById('event');
const typeSelect = document.getElementById('content-type');
const bodyInput = document.getElementById('body');
const publishButton = document.getElementById('publish-button');
const result = document.getElementById('publish-result');

const longPollView = new PanelView(document.getElementById('longpoll'));
const sseView = new PanelView(document.getElementById('sse'));
const longPoll = new LongPollClient(longPollView);
const sse = new SseClient(sseView);

let following = null;

function updateChannelText(channel) {
  for (const node of document.querySelectorAll('[data-field="channel"]')) node.textContent = channel;
  document.getElementById('info-link').href = `/pub/${encodeURIComponent(channel)}`;
  const origin = window.location.origin;
  const commands = {
    'pub-text': `curl -d 'hello' ${origin}/pub/${channel}`,
    'pub-json': `curl -H 'Content-Type: application/json' -d '{"n":1}' '${origin}/pub/${channel}?event=ping'`,
    'sub-poll': `curl '${origin}/sub/${channel}?timeout=${POLL_TIMEOUT}'`,
    'sub-sse': `curl -N -H 'Accept: text/event-stream' ${origin}/sub/${channel}`,
  };
  for (const [name, text] of Object.entries(commands)) {
    const node = document.querySelector(`[data-cmd="${name}"]`);
    if (node) node.textContent = text;
  }
}

function applyChannel() {
  const channel = channelInput.value.trim();
  const valid = CHANNEL_NAME.test(channel);
  channelInput.setAttribute('aria-invalid', String(!valid));
  channelHint.classList.toggle('bad', !valid);
  if (!valid) {
    channelHint.textContent = channel
      ? 'Not a channel name: 1 to 128 of A-Z a-z 0-9 . _ - : @ ~'
      : 'Enter a channel name.';
    if (following !== null) {
      following = null;
      longPoll.unsubscribe('Not subscribed: the channel name is not valid.');
      sse.unsubscribe('Not subscribed: the channel name is not valid.');
    }
    return;
  }
  channelHint.replaceChildren(...channelHintNodes.map((node) => node.cloneNode(true)));
  if (channel === following) return;
  const previous = following;
  following = channel;
  updateChannelText(channel);
  const url = new URL(window.location.href);
  if (channel === 'demo') url.searchParams.delete('channel');
  else url.searchParams.set('channel', channel);
  window.history.replaceState(null, '', url);
  if (previous !== null) {
    for (const view of [longPollView, sseView]) view.feed.notice('info', 'Now following', ` ‘${channel}’, from now on.`);
  }
  longPoll.subscribe(channel);
  sse.subscribe(channel);
}

let debounce = null;
channelInput.addEventListener('input', () => {
  clearTimeout(debounce);
  debounce = setTimeout(applyChannel, 500);
});
channelInput.addEventListener('change', () => {
  clearTimeout(debounce);
  applyChannel();
});

eventInput.addEventListener('input', () => {
  const name = eventInput.value.trim();
  eventInput.setAttribute('aria-invalid', String(name !== '' && !EVENT_NAME.test(name)));
});

typeSelect.addEventListener('change', () => {
  // Swap the sample body along with the type, unless the user wrote their own.
  const current = bodyInput.value.trim();
  if (typeSelect.value === 'text/plain' && (current === JSON_SAMPLE || current === '')) bodyInput.value = TEXT_SAMPLE;
  if (typeSelect.value === 'application/json' && (current === TEXT_SAMPLE || current === '')) bodyInput.value = JSON_SAMPLE;
});

bodyInput.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
    event.preventDefault();
    form.requestSubmit();
  }
});

function showResult(kind, code, headline, json) {
  result.className = `result ${kind}`;
  const head = el('p', { class: 'result-head' }, el('span', { class: 'status-code' }, String(code)), headline);
  const children = [head];
  if (json !== undefined) children.push(el('pre', {}, typeof json === 'string' ? json : JSON.stringify(json, null, 2)));
  result.replaceChildren(...children);
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  clearTimeout(debounce);
  applyChannel();
  const channel = channelInput.value.trim();
  const eventName = eventInput.value.trim();
  // A channel just switched to: let both panels learn "now" first, so they do not miss this message.
  if (channel === following) {
    await Promise.race([Promise.all([longPoll.ready, sse.ready]), sleep(2000)]);
  }

  const url = `/pub/${encodeURIComponent(channel)}${eventName ? `?event=${encodeURIComponent(eventName)}` : ''}`;
  publishButton.disabled = true;
  showResult('pending', '…', ` POST ${url}`);
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': typeSelect.value, Accept: 'application/json' },
      body: bodyInput.value,
    });
    const { text, json } = await readBody(response);
    if (response.ok && json && typeof json.seq === 'number') {
      const waiting = typeof json.subscribers === 'number' ? `, ${plural(json.subscribers, 'subscriber')} waiting` : '';
      showResult('ok', response.status, ` Accepted: seq ${json.seq} on ‘${json.channel}’${waiting}.`, json);
    } else if (isProblem(json)) {
      const hint = response.status === 403 ? ' (publishing without a key works from loopback only)' : '';
      showResult('err', response.status, ` ${json.title}${hint}`, json);
    } else {
      showResult(response.ok ? 'ok' : 'err', response.status, ` ${response.statusText}`, text || undefined);
    }
  } catch (error) {
    showResult('err', '—', ` Could not reach the server: ${error?.message || error}`);
  } finally {
    publishButton.disabled = false;
  }
});

for (const [view, client] of [[longPollView, longPoll], [sseView, sse]]) {
  view.root.querySelector('[data-action="pause"]').addEventListener('click', () => client.togglePause());
  view.root.querySelector('[data-action="clear"]').addEventListener('click', () => view.feed.clear());
}

for (const button of document.querySelectorAll('[data-copy]')) {
  button.addEventListener('click', async () => {
    const code = document.querySelector(`[data-cmd="${button.dataset.copy}"]`);
    try {
      await navigator.clipboard.writeText(code.textContent);
      button.textContent = 'Copied';
    } catch {
      // Clipboard refused (not a secure context, say): select the text for a manual copy.
      const range = document.createRange();
      range.selectNodeContents(code);
      const selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      button.textContent = 'Selected';
    }
    setTimeout(() => { button.textContent = 'Copy'; }, 1500);
  });
}

// Leaving the page: end the held request and the stream, so the connections are freed at once.
window.addEventListener('pagehide', () => {
  longPoll.stop();
  sse.close();
});

// Back from the back/forward cache: the connections were closed on pagehide, so open them again.
window.addEventListener('pageshow', (event) => {
  if (!event.persisted) return;
  following = null;
  applyChannel();
});

// Start: a ?channel= in the address picks the channel.
const requested = new URLSearchParams(window.location.search).get('channel');
if (requested) channelInput.value = requested;
applyChannel();
