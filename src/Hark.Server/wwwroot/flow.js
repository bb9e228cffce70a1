// Small helpers shared by the flow pages.
export const $ = (selector) => document.querySelector(selector);

/** Shows a line in the page's status banner; tone is info, ok, warn or bad. */
export function say(text, tone = 'info', target = '#status') {
  const banner = $(target);
  banner.textContent = text;
  banner.dataset.tone = tone;
}

/** POSTs JSON and returns { status, body } (body parsed when JSON, else text, null when empty). */
export async function postJson(url, body, init = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...init.headers },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: init.signal,
  });
  return { status: response.status, headers: response.headers, body: await readBody(response) };
}

export async function readBody(response) {
  const text = await response.text();
  if (!text) return null;
  const type = response.headers.get('content-type') ?? '';
  return type.includes('json') ? JSON.parse(text) : text;
}

/** The problem detail of an answer, for people. */
export const detailOf = (answer) => answer.body?.detail ?? answer.body?.title ?? `HTTP ${answer.status}`;

export const param = (name, fallback = null) => new URLSearchParams(location.search).get(name) ?? fallback;
