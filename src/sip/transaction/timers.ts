// Timers for the transaction layer behind one small interface, so the state machines can run on
// the real clock (Node's own timer lists: O(1) insert and cancel, one list per duration, which is
// what SER's timer lists were) or on a fake clock that tests advance by hand.

export interface Timer {
  cancel(): void;
}

export interface TimerService {
  /** milliseconds, monotonic */
  now(): number;
  /** call `fn` once after `ms` milliseconds */
  set(ms: number, fn: () => void): Timer;
}

class RealTimer implements Timer {
  constructor(private readonly handle: NodeJS.Timeout) {}
  cancel(): void {
    clearTimeout(this.handle);
  }
}

/** The real clock. Timers do not keep the process alive: a server stops when its sockets close. */
export class RealTimers implements TimerService {
  now(): number {
    return performance.now();
  }
  set(ms: number, fn: () => void): Timer {
    const h = setTimeout(fn, ms);
    h.unref();
    return new RealTimer(h);
  }
}

interface FakeEntry extends Timer {
  at: number;
  seq: number;
  fn: () => void;
  live: boolean;
}

/** A clock that only moves when told to; timers fire in time order, ties in the order set. */
export class FakeTimers implements TimerService {
  private t = 0;
  private seq = 0;
  private readonly pending: FakeEntry[] = [];

  now(): number {
    return this.t;
  }

  set(ms: number, fn: () => void): Timer {
    const e: FakeEntry = {
      at: this.t + Math.max(0, ms),
      seq: this.seq++,
      fn,
      live: true,
      cancel() {
        e.live = false;
      },
    };
    this.pending.push(e);
    return e;
  }

  /** Move the clock forward by `ms`, firing every timer that falls due (including ones set meanwhile). */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      let next: FakeEntry | undefined;
      for (const e of this.pending) {
        if (e.live && e.at <= end && (!next || e.at < next.at || (e.at === next.at && e.seq < next.seq))) next = e;
      }
      if (!next) break;
      this.t = next.at;
      next.live = false;
      next.fn();
    }
    this.t = end;
    for (let i = this.pending.length - 1; i >= 0; i--) if (!this.pending[i]!.live) this.pending.splice(i, 1);
  }

  /** Timers still waiting to fire. */
  get size(): number {
    return this.pending.filter((e) => e.live).length;
  }
}
