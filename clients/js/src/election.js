// Which tab leads a shared subscription. With the Web Locks API the tab that holds the lock leads: the browser
// releases it when the tab closes, so the next tab in line takes over without any timer. Without it, the tabs
// elect over the BroadcastChannel itself: the leader beats, the lowest id among the claimants wins, and a leader
// whose beats stop (its tab crashed or froze) is replaced.

/** Leadership by a Web Lock named after the share. */
export class LockElection {
  constructor(locks, name) {
    this.locks = locks;
    this.name = name;
    this.release = null; // ends the callback that holds the lock
    this.abort = null; // withdraws the queued request
  }

  /** Calls `onLead` once this tab holds the lock; `onLose` if it is taken away (it never is: no one steals it). */
  start(onLead) {
    if (this.abort || this.release) return;
    const controller = new AbortController();
    this.abort = controller;
    this.locks
      .request(this.name, { signal: controller.signal }, () => {
        if (this.abort !== controller) return undefined; // resigned before the lock came
        this.abort = null;
        return new Promise((resolve) => {
          this.release = resolve;
          onLead();
        });
      })
      .catch(() => {
        // Withdrawn (AbortError) or the lock manager is gone (the document is closing): nothing to hold.
      });
  }

  /** Lets go of the lock, or of the place in line for it. */
  resign() {
    const abort = this.abort;
    this.abort = null;
    abort?.abort();
    const release = this.release;
    this.release = null;
    release?.();
  }

  close() {
    this.resign();
  }
}

/**
 * Leadership agreed over the share's BroadcastChannel, for browsers without Web Locks. A tab claims, and leads
 * when no leader beat and no lower claim came within `claimMs`; the leader beats every `beatMs`; followers claim
 * again when `3 * beatMs` pass without a beat, or at once when the leader resigns. Two leaders (after a split)
 * settle as soon as either hears the other: the higher id steps down.
 */
export class ChannelElection {
  constructor(post, clock, { id, beatMs = 1000, claimMs = 200 } = {}) {
    this.post = post;
    this.clock = clock;
    this.id = id;
    this.beatMs = beatMs;
    this.claimMs = claimMs;
    this.state = 'idle'; // idle | candidate | follower | leader
    this.timer = null;
    this.onLead = null;
    this.onLose = null;
  }

  start(onLead, onLose) {
    this.onLead = onLead;
    this.onLose = onLose;
    if (this.state === 'idle') this.claim();
  }

  claim() {
    this.state = 'candidate';
    this.post({ t: 'claim', id: this.id });
    this.arm(this.claimMs, () => this.lead());
  }

  lead() {
    this.state = 'leader';
    this.beat();
    this.onLead?.();
  }

  beat() {
    if (this.state !== 'leader') return;
    this.post({ t: 'beat', id: this.id });
    this.arm(this.beatMs, () => this.beat());
  }

  follow() {
    const was = this.state;
    this.state = 'follower';
    this.arm(this.beatMs * 3, () => this.claim());
    if (was === 'leader') this.onLose?.();
  }

  /** Reads an election message from another tab. */
  receive(data) {
    if (this.state === 'idle' || !data || data.id === this.id) return;
    if (data.t === 'claim') {
      // A leader answers a claim at once, so the claimant follows; among claimants the lowest id wins.
      if (this.state === 'leader') this.post({ t: 'beat', id: this.id });
      else if (this.state === 'candidate' && data.id < this.id) this.follow();
    } else if (data.t === 'beat') {
      if (this.state === 'leader' && data.id > this.id) this.post({ t: 'beat', id: this.id });
      else this.follow();
    } else if (data.t === 'resign' && this.state !== 'leader') {
      this.claim();
    }
  }

  arm(ms, fire) {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      fire();
    }, ms, 'share');
  }

  /** Steps down (a frozen or closing tab): the others claim at once. Rejoin with `start`. */
  resign() {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
    if (this.state === 'leader') this.post({ t: 'resign', id: this.id });
    this.state = 'idle';
  }

  close() {
    this.resign();
  }
}
