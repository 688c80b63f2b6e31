// RFC 3261 §16.7 step 6: choosing the best final response once every branch has one.

export interface FinalOutcome {
  status: number;
  /** no response came: the branch timed out (counted as 408) or could not be sent */
  local: boolean;
}

/**
 * The index of the best response: a 6xx when there is one; otherwise the lowest class, and
 * within a class a response that really arrived before a local 408, then the lowest code, then
 * the earliest branch. Undefined for an empty list.
 */
export function pickBest(outcomes: readonly FinalOutcome[]): number | undefined {
  let best: number | undefined;
  let bestRank = Infinity;
  outcomes.forEach((o, i) => {
    const cls = Math.floor(o.status / 100);
    const rank = (cls === 6 ? 0 : cls) * 10_000 + (o.local ? 1000 : 0) + o.status;
    if (rank < bestRank) {
      bestRank = rank;
      best = i;
    }
  });
  return best;
}
