// A panel's view: status, counters and the message feed, and the page's small DOM helpers.
// Message content is only ever put into the page with textContent / text nodes.

export const MAX_ROWS = 200;

export function el(tag, props = {}, ...children) {
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

export function pad(n, width = 2) {
  return String(n).padStart(width, '0');
}

export function clock(date = new Date()) {
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

export function formatTime(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso ?? '');
  return `${clock(date)}.${pad(date.getMilliseconds(), 3)}`;
}

export function formatData(data) {
  if (typeof data === 'string') return { text: data, kind: 'text' };
  const compact = JSON.stringify(data);
  if (compact === undefined) return { text: '(no data)', kind: 'text' };
  return { text: compact.length <= 72 ? compact : JSON.stringify(data, null, 2), kind: 'json' };
}

export function plural(n, word) {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function describeGap(gap) {
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

export class Feed {
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

export class PanelView {
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
