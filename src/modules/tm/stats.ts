/** The counters of SER's t_stats (admin guide Example 5-2: "Current: 0 (0 waiting) Total: 606 (0 local)"). */
export class TmStats {
  /** transactions alive now */
  current = 0;
  /** of those, the ones already answered and only waiting for their timers */
  waiting = 0;
  /** transactions ever created */
  total = 0;
  /** of those, the ones this server originated (local UAC) */
  local = 0;
  /** final replies generated here (t_reply, 408 on timeout, 487 after CANCEL, 500) */
  repliedLocally = 0;
  /** completions by class: index 2..6 */
  readonly completed = [0, 0, 0, 0, 0, 0, 0];

  complete(status: number): void {
    const cls = Math.floor(status / 100);
    if (cls >= 2 && cls <= 6) this.completed[cls]!++;
  }

  snapshot(): Record<string, number> {
    const c = this.completed;
    return {
      current: this.current,
      waiting: this.waiting,
      total: this.total,
      local: this.local,
      replied_localy: this.repliedLocally,
      '6xx': c[6]!,
      '5xx': c[5]!,
      '4xx': c[4]!,
      '3xx': c[3]!,
      '2xx': c[2]!,
    };
  }
}
