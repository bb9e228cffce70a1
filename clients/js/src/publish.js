import { HarkError, errorFrom } from './errors.js';
import { baseOf } from './util.js';

/**
 * Publishes one message to a channel: a string is sent as text, anything else as JSON. Resolves with
 * `{channel, seq, cursor, subscribers}`; rejects with a HarkError when the server refuses.
 */
export async function publish(channel, data, options = {}) {
  if (typeof channel !== 'string' || channel.length === 0) throw new TypeError('hark: publish needs a channel name');
  if (data === undefined) throw new TypeError('hark: publish needs data');
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const q = options.event ? `?event=${encodeURIComponent(options.event)}` : '';
  const text = typeof data === 'string';
  const headers = { 'Content-Type': text ? 'text/plain; charset=utf-8' : 'application/json' };
  if (options.key) headers.Authorization = `Bearer ${options.key}`;
  let response;
  try {
    response = await doFetch(`${baseOf(options.url ?? options.baseUrl)}/pub/${encodeURIComponent(channel)}${q}`, {
      method: 'POST', headers, body: text ? data : JSON.stringify(data), signal: options.signal,
    });
  } catch (error) {
    throw new HarkError(`Network error: ${error?.message ?? error}`, { type: 'network', cause: error });
  }
  if (!response.ok) throw await errorFrom(response);
  return response.json();
}
