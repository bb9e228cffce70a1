// The demo page: publish form and the two live panels side by side.
import { PanelView, el, plural } from './view.js';
import { Panel, POLL_TIMEOUT } from './panel.js';

const CHANNEL_NAME = /^[A-Za-z0-9._:@~-]{1,128}$/;
const EVENT_NAME = /^[A-Za-z0-9._:/-]{1,64}$/;
const JSON_SAMPLE = '{"text": "Hello from the demo page"}';
const TEXT_SAMPLE = 'Hello from the demo page';

const sleep = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });
const isProblem = (json) => json !== null && typeof json === 'object' && typeof json.title === 'string' && 'status' in json;

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
const longPoll = new Panel(longPollView, 'longpoll');
const sse = new Panel(sseView, 'sse');

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
  sse.stop();
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
