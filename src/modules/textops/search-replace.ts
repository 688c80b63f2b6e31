import type { RequestContext } from '../../script/context.js';
import { afterStartLine, messageText } from './message-text.js';

// search, search_append, replace, replace_all (SER textops.c). Matching always runs over the
// received bytes, never over the result of earlier edits: a second replace() sees the original
// text again, as SER's lumps did. Every change is an edit (ctx.edits) applied when a copy is
// forwarded; the body's Content-Length follows (buildForwardedRequest).
//
// `re` comes from fixRegex: global, so exec() starts at lastIndex. One RegExp is shared by every
// request, which is safe because each function sets lastIndex and reads the match synchronously.

/** search(re): true if re matches anywhere in the message, start line, headers or body. */
export function search(ctx: RequestContext, re: RegExp): number {
  re.lastIndex = 0;
  return re.test(messageText(ctx.msg)) ? 1 : -1;
}

/** The first match at or after the second line, or null. */
function firstMatch(ctx: RequestContext, re: RegExp): RegExpExecArray | null {
  re.lastIndex = afterStartLine(ctx.msg);
  return re.exec(messageText(ctx.msg));
}

/** search_append(re, s): insert s right after the first match; false if nothing matches. */
export function searchAppend(ctx: RequestContext, re: RegExp, s: string): number {
  const m = firstMatch(ctx, re);
  if (m === null) return -1;
  ctx.edits.insert(m.index + m[0].length, s);
  return 1;
}

/** replace(re, s): the first match becomes s (an empty match: s is inserted there); false if none. */
export function replaceFirst(ctx: RequestContext, re: RegExp, s: string): number {
  const m = firstMatch(ctx, re);
  if (m === null) return -1;
  ctx.edits.replace(m.index, m.index + m[0].length, s);
  return 1;
}

/**
 * replace_all(re, s): every match, left to right and not overlapping, becomes s; false if none.
 * SER went on from the end of each match, so an empty match made it loop for ever; here, as in
 * String.prototype.replace, the search moves one byte on after an empty match (which is
 * replaced: s is inserted there). `^` keeps its REG_NEWLINE meaning, the start of a line:
 * SER called regexec() again from the end of the last match without REG_NOTBOL, so `^` also
 * matched there, in mid-line.
 */
export function replaceAll(ctx: RequestContext, re: RegExp, s: string): number {
  const text = messageText(ctx.msg);
  re.lastIndex = afterStartLine(ctx.msg);
  let found = false;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const end = m.index + m[0].length;
    ctx.edits.replace(m.index, end, s);
    found = true;
    if (end === m.index) {
      if (end >= text.length) break;
      re.lastIndex = end + 1;
    }
  }
  return found ? 1 : -1;
}
