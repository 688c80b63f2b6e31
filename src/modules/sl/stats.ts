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

  /** SER's sl_stats lines: "200: n" ... "2xx: n" ... "xxx: n" */
  snapshot(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const c of OWN_CODES) out[String(c)] = this.byCode.get(c) ?? 0;
    const cls: Record<string, number> = { '1xx': 0, '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0, '6xx': 0 };
    for (const [code, n] of this.byCode) {
      const k = `${Math.floor(code / 100)}xx`;
      if (!(OWN_CODES as readonly number[]).includes(code) && k in cls) cls[k] += n;
    }
    Object.assign(out, cls);
    out.failures = this.failures;
    return out;
  }
}
