// A panel's view: status, counters and the message feed.
import { MAX_ROWS, el, clock, formatTime, formatData, describeGap } from './util.js';

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
