// The forever-iframe: a hidden frame whose scripts post each object to this page, reloaded from the cursor.
import { resolveToken, subUrl } from '../requests.js';
import { afterStream } from './stream.js';

export async function runIframe(sub) {
  const outcome = await openFrame(sub);
  if (!sub.running || outcome.stopped) return;
  await afterStream(sub, outcome);
}

function openFrame(sub) {
  return new Promise((resolve) => {
    const win = sub.window;
    const doc = win.document;
    const frame = doc.createElement('iframe');
    let opened = false;
    let openedAt = 0;
    let delivered = false;
    let done = false;
    let url = null;
    const onMessage = (event) => {
      // Only what our own frame posts, from the server's origin.
      if (done || event.source !== frame.contentWindow || event.origin !== sub.serverOrigin) return;
      const data = event.data;
      if (!data || typeof data !== 'object') return;
      if (typeof data.seq === 'number') {
        if (sub.deliver(data)) delivered = true;
      } else if (data.gap === true) {
        sub.accept({ gap: true, gaps: data.gaps, cursor: data.cursor, messages: [] });
      } else if (typeof data.grant === 'string') {
        sub.grant = data.grant;
      } else if (data.closed === true) {
        finish({ stopped: true });
        sub.closed(data.channel ?? null);
      } else if (typeof data.cursor === 'string') {
        opened = true;
        openedAt = sub.clock.now();
        sub.setCursor(data.cursor);
        sub.live();
        sub.resolveReady(sub.cursor);
      }
    };
    // The document never ends while the stream lives: load means it ended, or was an error page.
    const onLoad = () => finish({});
    const finish = (outcome) => {
      if (done) return;
      done = true;
      win.removeEventListener('message', onMessage);
      frame.removeEventListener('load', onLoad);
      frame.remove();
      if (sub.stopStream === stop) sub.stopStream = null;
      resolve({ ...outcome, url, opened, delivered, lasted: opened ? sub.clock.now() - openedAt : 0 });
    };
    const stop = () => finish({ stopped: true });
    sub.stopStream = stop;
    resolveToken(sub).then((ok) => {
      if (done) return;
      if (!ok) return stop();
      const origin = sub.pageOrigin && sub.pageOrigin !== sub.serverOrigin ? sub.pageOrigin : null;
      frame.setAttribute('aria-hidden', 'true');
      frame.setAttribute('tabindex', '-1');
      frame.title = 'hark';
      frame.style.display = 'none';
      win.addEventListener('message', onMessage);
      frame.addEventListener('load', onLoad);
      url = subUrl(sub, { transport: 'iframe', token: true, origin });
      frame.src = url;
      (doc.body ?? doc.documentElement).appendChild(frame);
    });
  });
}
