// Logging refusals (too many programs running) without flooding the log when a burst of requests
// meets a full table: the first PER_SECOND refusals of each second are logged in full; the rest
// are counted and reported with the next refusal logged after that second.

export const PER_SECOND = 5;

export class RefusalLog {
  private windowStart = -Infinity;
  private logged = 0;
  private suppressed = 0;

  constructor(
    private readonly emit: (line: string) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** A refusal happened; `line` describes it. */
  note(line: string): void {
    const t = this.now();
    if (t - this.windowStart >= 1000) {
      if (this.suppressed > 0) this.emit(`exec: ${this.suppressed} more program(s) refused (too many running) and not logged one by one`);
      this.windowStart = t;
      this.logged = 0;
      this.suppressed = 0;
    }
    if (this.logged < PER_SECOND) {
      this.logged++;
      this.emit(line);
    } else {
      this.suppressed++;
    }
  }
}
