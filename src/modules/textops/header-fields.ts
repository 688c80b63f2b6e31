import type { RequestContext } from '../../script/context.js';
import { endOfHeaders } from '../../sip/proxy/stateless.js';

// append_hf, append_urihf (SER textops.c), is_present_hf, remove_hf (added to textops in later
// SER releases). Header fields are found through the parser's index, by canonical name:
// compact forms ("f" is From, RFC 3261 §7.3.3) and any case (§7.3.1) match, and so does a name
// written with whitespace before the colon ("X-Foo : bar", HCOLON), which a textual match on
// "X-Foo:" would miss. Like SER, they look at the header fields as received: a field an earlier
// append_hf() added is not "present", and one remove_hf() removed still is.

/**
 * append_hf(text): header lines (with their CRLF) after the last header field, where SER's
 * append_hf_helper anchored them (msg->unparsed after parsing to the end of the header).
 */
export function appendHf(ctx: RequestContext, lines: string): number {
  ctx.edits.insert(endOfHeaders(ctx.msg), lines);
  return 1;
}

/**
 * append_urihf(prefix, suffix): prefix + the Request-URI + suffix after the last header field
 * (admin guide Example 3-11, CC-Diversion). The URI is the current one (rewritten by the script
 * if it was); SER 0.8 copied the request line's, and the two are the same unless the script
 * rewrote the Request-URI.
 */
export function appendUriHf(ctx: RequestContext, prefix: string, suffix: string): number {
  ctx.edits.insert(endOfHeaders(ctx.msg), prefix + ctx.currentUri + suffix);
  return 1;
}

/** is_present_hf(name): whether the request has a header field of that (canonical) name. */
export function isPresentHf(ctx: RequestContext, canonical: string): number {
  return ctx.msg.header(canonical) !== undefined ? 1 : -1;
}

/**
 * remove_hf(name): every header field of that name goes, whole lines with their folded
 * continuations (a field holding several comma-separated values goes with all of them).
 * False when there was none.
 */
export function removeHf(ctx: RequestContext, canonical: string): number {
  let removed = false;
  for (const h of ctx.msg.headers) {
    if (h.name !== canonical) continue;
    ctx.edits.remove(h.start, h.end);
    removed = true;
  }
  return removed ? 1 : -1;
}
