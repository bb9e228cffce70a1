// Long-polling and plain polling: one request at a time, each answer a batch with its cursor.
import { get, sleep, subUrl } from '../requests.js';

export async function runPoll(sub) {
  const mode = sub.transport;
  while (sub.running && sub.transport === mode) {
    // The first request answers at once, so the subscription is live (and its cursor known) quickly.
    const hold = mode === 'longpoll' && sub.answered ? sub.o.timeout : 0;
    const started = sub.clock.now();
    let batch;
    try {
      batch = await get(sub, subUrl(sub, { timeout: hold, transport: mode === 'poll' ? 'poll' : null, max: sub.o.max }), hold * 1000 + sub.o.requestTimeout);
    } catch (error) {
      if (!(await sub.recover(error))) return;
      continue;
    }
    if (!sub.running) return;
    const empty = !batch.gap && batch.messages.length === 0;
    const early = hold > 0 && empty && sub.clock.now() - started < Math.min(1000, hold * 500);
    sub.answered = true;
    sub.live();
    sub.accept(batch);
    sub.resolveReady(sub.cursor);
    if (early) {
      // An empty answer long before the timeout (a server shutting down, say) must not become a busy loop.
      await sleep(sub, sub.policy.afterNetworkError());
      continue;
    }
    sub.policy.succeeded();
    const full = batch.messages.length >= (sub.o.max ?? 100);
    if (mode === 'poll' && !full && sub.running) await sleep(sub, sub.o.interval, 'interval');
  }
}
