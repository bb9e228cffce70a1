// Server-Sent Events: one EventSource in envelope mode, reopened by the client itself from its cursor.
import { get, resolveToken, subUrl } from '../requests.js';
import { parseJson } from '../util.js';
import { afterStream } from './stream.js';

export async function runSse(sub) {
  // One plain poll first: it delivers what is already there, learns the cursor (an EventSource does not
  // expose the stream's opening id:), and turns a 401/410 into a clear answer before the stream opens.
  if (!sub.cursor) {
    try {
      const batch = await get(sub, subUrl(sub, { timeout: 0 }), sub.o.requestTimeout);
      if (!sub.running) return;
      sub.accept(batch);
    } catch (error) {
      await sub.recover(error);
      return;
    }
  }
  const outcome = await openStream(sub);
  if (!sub.running || outcome.stopped) return;
  await afterStream(sub, outcome);
}

function openStream(sub) {
  return new Promise((resolve) => {
    resolveToken(sub).then((ok) => {
      if (!ok) return resolve({ stopped: true });
      const url = subUrl(sub, { transport: 'sse', envelope: true, token: true });
      const source = new sub.EventSource(url);
      let opened = false;
      let openedAt = 0;
      let delivered = false;
      let done = false;
      const finish = (outcome) => {
        if (done) return;
        done = true;
        source.close();
        if (sub.stopStream === stop) sub.stopStream = null;
        resolve({ ...outcome, url, opened, delivered, lasted: opened ? sub.clock.now() - openedAt : 0 });
      };
      const stop = () => finish({ stopped: true });
      sub.stopStream = stop;
      source.onopen = () => {
        if (done) return;
        opened = true;
        openedAt = sub.clock.now();
        sub.live();
        sub.resolveReady(sub.cursor);
      };
      // With envelope=1 every message arrives as an unnamed event carrying the whole message object.
      source.onmessage = (event) => {
        if (done) return;
        if (sub.deliver(parseJson(event.data))) delivered = true;
      };
      source.addEventListener('gap', (event) => {
        if (done) return;
        const gap = parseJson(event.data);
        if (!gap || !Array.isArray(gap.gaps)) return;
        sub.accept({ gap: true, gaps: gap.gaps, cursor: gap.cursor ?? event.lastEventId, messages: [] });
      });
      source.addEventListener('grant', (event) => {
        const data = parseJson(event.data);
        if (typeof data?.grant === 'string') sub.grant = data.grant;
      });
      source.addEventListener('closed', (event) => {
        if (done) return;
        const data = parseJson(event.data);
        finish({ stopped: true });
        sub.closed(data?.channel ?? null);
      });
      // The browser's own reconnect would resume with Last-Event-ID but hide 401/410/503 from us and keep
      // its own pace; close it and reconnect with our cursor and our retry policy.
      source.onerror = () => finish({});
    });
  });
}
