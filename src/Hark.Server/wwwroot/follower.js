// What both panels share: following one channel, pausing, and resuming from the cursor.
// A subclass supplies start() and stop(), and may reset its own state in reset().
export class Follower {
  constructor(view) {
    this.view = view;
    this.channel = null;
    this.cursor = null;
    this.paused = false;
    this.ready = Promise.resolve();
    this.markReady = () => {};
  }

  reset() {}

  pausedDetail() {
    return 'Paused.';
  }

  subscribe(channel) {
    this.stop();
    this.channel = channel;
    this.cursor = null;
    this.reset();
    this.view.cursor(null);
    this.ready = new Promise((resolve) => { this.markReady = resolve; });
    if (this.paused) {
      this.view.state('paused');
      this.view.detail(`Paused. Resume starts following ‘${channel}’.`);
    } else {
      this.start();
    }
  }

  unsubscribe(reason) {
    this.stop();
    this.channel = null;
    this.cursor = null;
    this.reset();
    this.view.cursor(null);
    this.view.state('idle', 'idle');
    this.view.detail(reason);
  }

  togglePause() {
    this.paused = !this.paused;
    this.view.paused(this.paused);
    if (this.paused) {
      this.stop();
      this.view.state('paused');
      this.view.detail(this.pausedDetail());
    } else if (this.channel) {
      this.start();
    }
  }
}
