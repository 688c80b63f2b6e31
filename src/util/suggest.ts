// "Did you mean ...?" for unknown names (functions, options, modules, parameters).

/**
 * Damerau-Levenshtein distance (optimal string alignment variant: insertions, deletions,
 * substitutions and transpositions of two adjacent characters, each costing 1).
 */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  if (!a.length) return b.length;
  if (!b.length) return a.length;
  const w = b.length + 1;
  // three rows: i-2, i-1, i
  let prev2 = new Array<number>(w).fill(0);
  let prev = new Array<number>(w);
  let cur = new Array<number>(w);
  for (let j = 0; j < w; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    const ca = a.charCodeAt(i - 1);
    for (let j = 1; j < w; j++) {
      const cb = b.charCodeAt(j - 1);
      const cost = ca === cb ? 0 : 1;
      let d = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && ca === b.charCodeAt(j - 2) && a.charCodeAt(i - 2) === cb) {
        d = Math.min(d, prev2[j - 2]! + 1);
      }
      cur[j] = d;
    }
    const t = prev2;
    prev2 = prev;
    prev = cur;
    cur = t;
  }
  return prev[b.length]!;
}

/** The most distance `suggest` accepts for a name of this length. */
export function maxTypoDistance(name: string): number {
  return Math.max(1, Math.floor(name.length / 3));
}

const stripSeparators = (s: string): string => s.replace(/[_-]/g, '');

/**
 * The candidate nearest to `name` if it is plausibly what was meant, else undefined.
 *
 * Matching is case-insensitive. A candidate qualifies when
 *  - its Damerau-Levenshtein distance to `name` is at most max(1, floor(len/3)), or
 *  - it differs from `name` only in '_' / '-' separators (`sendreply` for `send_reply`), or
 *  - it starts with `name` (at least 3 characters): `sl_send` for `sl_send_reply`.
 * Typos (the first two) beat completions (the last); then the smaller distance wins, then
 * the smaller difference in length, then the alphabetically first: the result does not depend
 * on the order of the candidates.
 */
export function suggest(name: string, candidates: Iterable<string>): string | undefined {
  if (!name) return undefined;
  const lname = name.toLowerCase();
  const sname = stripSeparators(lname);
  const limit = maxTypoDistance(name);
  let best: string | undefined;
  let bestKey: [number, number, number] | undefined;
  const seen = new Set<string>();
  for (const cand of candidates) {
    if (typeof cand !== 'string' || !cand || seen.has(cand)) continue;
    seen.add(cand);
    const lc = cand.toLowerCase();
    let tier: number;
    let dist: number;
    if (cand === name) {
      tier = 0;
      dist = -1;
    } else {
      const d = Math.abs(lc.length - lname.length) > limit ? Infinity : editDistance(lname, lc);
      if (sname.length > 0 && stripSeparators(lc) === sname) {
        tier = 0;
        dist = Math.min(d, 0.5);
      } else if (d <= limit) {
        tier = 0;
        dist = d;
      } else if (lname.length >= 3 && lc.startsWith(lname)) {
        tier = 1;
        dist = lc.length - lname.length;
      } else {
        continue;
      }
    }
    const key: [number, number, number] = [tier, dist, Math.abs(cand.length - name.length)];
    if (!bestKey || compareKeys(key, bestKey, cand, best!) < 0) {
      best = cand;
      bestKey = key;
    }
  }
  return best;
}

function compareKeys(a: [number, number, number], b: [number, number, number], ca: string, cb: string): number {
  for (let k = 0; k < 3; k++) {
    if (a[k]! !== b[k]!) return a[k]! - b[k]!;
  }
  return ca < cb ? -1 : ca > cb ? 1 : 0;
}
