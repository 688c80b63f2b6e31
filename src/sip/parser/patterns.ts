// Regular-expression fast paths for the header values nearly every message carries.
//
// Why: a message's first few thousand arrivals run in V8's interpreter and baseline tiers, and
// every hot JS scanner is compiled by TurboFan (in background threads whose CPU counts too). A
// regular expression is compiled once, cheaply, to native code and runs at full speed from the
// first message; calling it is one bytecode. So the common spellings are recognised by the
// patterns below, and everything else falls through to the byte scanners of via.ts, name-addr.ts,
// ... which remain the reference grammar and produce the error messages.
//
// The contract every pattern keeps: it accepts only text that the byte scanner accepts too, and
// what is read from its captures equals what the scanner would return. A pattern may be
// stricter (refuse LWS the grammar allows, folded lines, IPv6 references, quoted parameter
// values, ...): such text just takes the slow path. src/sip/parser/patterns.test.ts checks the
// contract differentially on many generated and mutated values.
//
// Every pattern is linear: alternatives and repetitions are separated by characters the
// repeated classes exclude, so backtracking never multiplies (patterns.test.ts times hostile
// input). None of them matches CR or LF, so none can run past the line it starts on.

const TOKEN = "[A-Za-z0-9\\-.!%*_+`'~]";
/** gen-value without quotes: token chars plus ":" "[" "]" (params.ts isGenValueChar) */
const GENVAL = "[A-Za-z0-9\\-.!%*_+`'~:\\[\\]]";
/** quoted-string without folds (quoted.ts scanQuoted): qdtext, or "\" + anything but CR/LF */
const QUOTED = String.raw`"(?:[^"\\\x00-\x08\x0a-\x1f\x7f]|\\[^\r\n])*"`;
/** *( ";" token [ "=" gen-value ] ) with no LWS and no quoted values (read by appendCheckedParams in params.ts) */
export const PARAMS = `(?:;${TOKEN}+(?:=${GENVAL}+)?)*`;

/** IPv4address with each part 0..255, 1 to 3 digits (host.ts isIPv4) */
const IPV4 = String.raw`(?:(?:25[0-5]|2[0-4]\d|[01]?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|[01]?\d?\d)`;
/** hostname (host.ts isHostname): labels of alphanum / "_" / "-" not starting or ending with "-", toplabel starting with ALPHA, optional final "." */
const HOSTNAME = String.raw`(?:[A-Za-z0-9_]+(?:-+[A-Za-z0-9_]+)*\.)*[A-Za-z][A-Za-z0-9_]*(?:-+[A-Za-z0-9_]+)*\.?`;
/** host without IPv6 references, as long as scanHost would read it */
export const HOST = String.raw`(?:${IPV4}|${HOSTNAME})(?![A-Za-z0-9_.\-])`;

/** URI text isUriText accepts inside <> (scheme ":" then visible ASCII without < > ") */
export const URI_IN_BRACKETS = String.raw`[A-Za-z][A-Za-z0-9+\-.]*:[!#-;=?-~]+`;
/** the same for an addr-spec, which also stops at ";" "," and must not hold "?" (name-addr.ts) */
export const ADDR_SPEC = String.raw`[A-Za-z][A-Za-z0-9+\-.]*:[!#-+\--:=@-~]+`;
export { QUOTED, TOKEN };

// SIP URI pieces (uri.ts): %HH escapes spelled out.
const ESC = '%[0-9A-Fa-f]{2}';
const USER = String.raw`(?:[A-Za-z0-9\-_.!~*'()&=+$,;?/]|${ESC})+`;
const PASSWORD = String.raw`(?:[A-Za-z0-9\-_.!~*'()&=+$,]|${ESC})*`;
const PARAMCHARS = String.raw`(?:[A-Za-z0-9\-_.!~*'()\[\]/:&+$]|${ESC})+`;
const PORT = String.raw`(?:\d{1,4}|[1-5]\d{4}|6[0-4]\d{3}|65[0-4]\d\d|655[0-2]\d|6553[0-5])(?!\d)`;
/** sip: / sips: URI (any case scheme) without IPv6 host and without headers (uri.ts parseSipUri) */
export const SIP_URI_NO_HEADERS = `[sS][iI][pP][sS]?:(?:${USER}(?::${PASSWORD})?@)?${HOST}(?::${PORT})?(?:;${PARAMCHARS}(?:=${PARAMCHARS})?)*`;

/** Does `re` (sticky) match s from `start` to exactly `end`? */
export function matchesExactly(re: RegExp, s: string, start: number, end: number): boolean {
  re.lastIndex = start;
  return re.test(s) && re.lastIndex === end;
}

/** At most `max` ';' in s[start, end): an upper bound on the parameters a value can carry. */
export function fewSemicolons(s: string, start: number, end: number, max: number): boolean {
  if (end - start <= 2 * max) return true;
  let n = 0;
  for (let i = s.indexOf(';', start); i >= 0 && i < end; i = s.indexOf(';', i + 1)) if (++n > max) return false;
  return true;
}
