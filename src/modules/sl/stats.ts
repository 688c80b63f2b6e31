// Counters of stateless replies, as SER's sl_stats reports them: some codes on their own, the
// rest by class, and the replies that could not be sent.

const OWN_CODES = [200, 202, 300, 301, 302, 400, 401, 403, 404, 407, 408, 483, 500] as const;

export class SlStats {
  readonly byCode = new Map<number, number>();
  failures = 0;

  /** Count a reply; returns the script result for it (1 sent, -1 not). */
  count(status: number, sent: boolean): number {
    if (!sent) {
      this.failures++;
      return -1;
    }
    this.byCode.set(status, (this.byCode.get(status) ?? 0) + 1);
    return 1;
  }

  /**
   * SER's sl_stats counters: "200: n" ... "2xx: n" ... "xxx: n" (codes below 200 or above
   * 699, as SER's update_sl_stats counted them) and "failures".
   */
  snapshot(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const c of OWN_CODES) out[String(c)] = this.byCode.get(c) ?? 0;
    const cls: Record<string, number> = { '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0, '6xx': 0, xxx: 0 };
    for (const [code, n] of this.byCode) {
      if ((OWN_CODES as readonly number[]).includes(code)) continue;
      const k = code >= 200 && code < 700 ? `${Math.floor(code / 100)}xx` : 'xxx';
      cls[k] = (cls[k] ?? 0) + n;
    }
    Object.assign(out, cls);
    out.failures = this.failures;
    return out;
  }

  /** The FIFO output of SER 0.8's sl_stats (sl_stats.c print_sl_stats; admin guide Example 5-2). */
  format(): string {
    const s = this.snapshot();
    const f = (...keys: string[]) => keys.map((k) => `${k}: ${s[k]}`).join(' ');
    return [
      f('200', '202', '2xx'),
      f('300', '301', '302', '3xx'),
      f('400', '401', '403', '404', '407', '408', '483', '4xx'),
      f('500', '5xx'),
      f('6xx'),
      f('xxx'),
      f('failures'),
    ].join('\n') + '\n';
  }
}
