// What the streaming transports (SSE, the iframe) share: deciding what to do once a stream has ended.
import { HarkError } from '../errors.js';
import { probe } from '../requests.js';
import { fallBack } from './choice.js';

/** A stream (EventSource or frame) ended: reconnect, after finding out why when it never opened. */
export async function afterStream(sub, { opened, lasted, delivered, url }) {
  if (opened) {
    // A stream that carried something or stayed up a while was a success; one that drops at once is not.
    if (delivered || lasted >= 5000) sub.policy.succeeded();
    await sub.recover(new HarkError('The stream ended', { type: 'network' }));
    return;
  }
  // Neither EventSource nor a frame tells why it failed: ask the same URL and read the status.
  let contentType;
  try {
    contentType = await probe(sub, url);
  } catch (error) {
    await sub.recover(error);
    return;
  }
  const expected = sub.transport === 'sse' ? 'text/event-stream' : 'text/html';
  if (contentType.startsWith(expected)) {
    await sub.recover(new HarkError('The stream could not be opened', { type: 'network' }));
  } else if (sub.transport === 'sse' && fallBack(sub)) {
    // Something between here and the server answers event streams with something else: long-poll instead.
  } else {
    await sub.recover(new HarkError(`The stream was answered with ${contentType || 'no content type'}`, { status: 200, type: 'bad-response' }));
  }
}
