// Removing Route values from the received bytes (SER's del_lump on Route header fields).
//
// A Route header field may carry several comma-separated values (RFC 3261 §7.3.1, §20.34).
// Removing some of them must leave the others, and the field, well-formed: a value is removed
// with the comma and whitespace that follow it (or, for the last values of a field, with the
// comma before them); a field whose values are all removed goes as a whole line, CRLF and
// continuation lines included.

import type { EditList } from '../../sip/edit.js';
import type { NameAddr } from '../../sip/parser/message.js';

/**
 * Record in `edits` the removal of the Route values whose indexes (into `routes`, all Route
 * values of the message in order, as SipMessage.routes gives them) are in `remove`.
 */
export function removeRouteValues(routes: readonly NameAddr[], remove: ReadonlySet<number>, edits: EditList): void {
  if (remove.size === 0) return;
  let k = 0;
  while (k < routes.length) {
    // values k .. e-1 belong to one header field
    const h = routes[k]!.header;
    let e = k + 1;
    while (e < routes.length && routes[e]!.header === h) e++;
    let all = true;
    let any = false;
    for (let j = k; j < e; j++) {
      if (remove.has(j)) any = true;
      else all = false;
    }
    if (all) {
      edits.remove(h.start, h.end);
    } else if (any) {
      let j = k;
      while (j < e) {
        if (!remove.has(j)) {
          j++;
          continue;
        }
        // a maximal run j .. b of removed values
        let b = j;
        while (b + 1 < e && remove.has(b + 1)) b++;
        if (b + 1 < e) {
          // "<a>, <b>, <kept>": remove from the run's first value up to the next kept one
          edits.remove(routes[j]!.start, routes[b + 1]!.start);
        } else {
          // the run ends the field, and a kept value precedes it (not all were removed):
          // remove from the end of that value, taking the comma before the run
          edits.remove(routes[j - 1]!.end, routes[b]!.end);
        }
        j = b + 1;
      }
    }
    k = e;
  }
}
