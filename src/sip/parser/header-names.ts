// Canonical header names: lower-case long form. Header names are case-insensitive
// (RFC 3261 §7.3.1) and many have a compact form (RFC 3261 §7.3.3 and the RFCs that register
// them). The head scanner hashes the name while it checks the token characters anyway and
// compares it with the few known names in that hash bucket (canonicalName); other callers use
// canonicalHeaderName, a Map lookup of the usual spellings.

/** Compact form -> long name (IANA "SIP Parameters", Header Fields registry). */
export const COMPACT_FORMS: Readonly<Record<string, string>> = {
  a: 'accept-contact', // RFC 3841
  b: 'referred-by', // RFC 3892
  c: 'content-type', // RFC 3261
  d: 'request-disposition', // RFC 3841
  e: 'content-encoding', // RFC 3261
  f: 'from', // RFC 3261
  i: 'call-id', // RFC 3261
  j: 'reject-contact', // RFC 3841
  k: 'supported', // RFC 3261
  l: 'content-length', // RFC 3261
  m: 'contact', // RFC 3261
  n: 'identity-info', // RFC 4474
  o: 'event', // RFC 6665
  r: 'refer-to', // RFC 3515
  s: 'subject', // RFC 3261
  t: 'to', // RFC 3261
  u: 'allow-events', // RFC 6665
  v: 'via', // RFC 3261
  x: 'session-expires', // RFC 4028
  y: 'identity', // RFC 4474
};

// Lower-case literals, so the canonical names are V8-internalized strings and comparing them
// with other literals ('via', 'cseq', ...) is a pointer comparison.
const LONG_NAMES = [
  'accept', 'accept-contact', 'accept-encoding', 'accept-language', 'alert-info', 'allow',
  'allow-events', 'authentication-info', 'authorization', 'call-id', 'call-info', 'contact',
  'content-disposition', 'content-encoding', 'content-language', 'content-length', 'content-type',
  'cseq', 'date', 'diversion', 'error-info', 'event', 'expires', 'from', 'identity', 'identity-info',
  'in-reply-to', 'max-forwards', 'mime-version', 'min-expires', 'min-se', 'organization', 'path',
  'p-asserted-identity', 'p-preferred-identity', 'priority', 'privacy', 'proxy-authenticate',
  'proxy-authorization', 'proxy-require', 'rack', 'reason', 'record-route', 'refer-to', 'referred-by',
  'reject-contact', 'remote-party-id', 'replaces', 'reply-to', 'request-disposition', 'require',
  'retry-after', 'route', 'rseq', 'server', 'service-route', 'session-expires', 'sip-etag',
  'sip-if-match', 'subject', 'subscription-state', 'supported', 'timestamp', 'to', 'unsupported',
  'user-agent', 'via', 'warning', 'www-authenticate',
];

/** Spellings RFC 3261 and friends use that Title-Case does not produce. */
const DISPLAY = ['Call-ID', 'CSeq', 'WWW-Authenticate', 'MIME-Version', 'RAck', 'RSeq', 'SIP-ETag', 'SIP-If-Match', 'Min-SE', 'Remote-Party-ID'];

const byName = new Map<string, string>();

function titleCase(n: string): string {
  return n
    .split('-')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('-');
}

for (const canon of LONG_NAMES) {
  byName.set(canon, canon);
  byName.set(canon.toUpperCase(), canon);
  byName.set(titleCase(canon), canon);
}
for (const d of DISPLAY) {
  const lower = d.toLowerCase();
  const canon = LONG_NAMES.find((n) => n === lower);
  if (canon !== undefined) byName.set(d, canon);
}
for (const [k, v] of Object.entries(COMPACT_FORMS)) {
  const canon = LONG_NAMES.find((n) => n === v) ?? v;
  byName.set(k, canon);
  byName.set(k.toUpperCase(), canon);
}

/** Canonical name of the header name `name` (any case, compact or long form). */
export function canonicalHeaderName(name: string): string {
  const known = byName.get(name);
  if (known !== undefined) return known;
  const lower = name.toLowerCase();
  return byName.get(lower) ?? lower;
}

// The scanner's lookup: it hashes the name while checking its token characters anyway, then
// compares against the few known names in that hash bucket.

interface Entry {
  /** lower-case spelling to match, as char codes (cheaper to read than a string's chars) */
  readonly codes: Uint8Array;
  readonly canonical: string;
}

function entry(spelled: string, canonical: string): Entry {
  const codes = new Uint8Array(spelled.length);
  for (let i = 0; i < spelled.length; i++) codes[i] = spelled.charCodeAt(i);
  return { codes, canonical };
}

const BUCKETS = 256;
const table: Entry[][] = [];
for (let i = 0; i < BUCKETS; i++) table.push([]);

/** The hash the head scanner computes incrementally: h = h * 31 + (c | 0x20), 32-bit. */
function hashStep(h: number, c: number): number {
  return (Math.imul(h, 31) + (c | 0x20)) | 0;
}

function hashOf(name: string): number {
  let h = 0;
  for (let i = 0; i < name.length; i++) h = hashStep(h, name.charCodeAt(i));
  return h;
}

for (const n of LONG_NAMES) table[hashOf(n) & (BUCKETS - 1)].push(entry(n, n));
for (const [k, v] of Object.entries(COMPACT_FORMS)) {
  table[hashOf(k) & (BUCKETS - 1)].push(entry(k, byName.get(k) ?? v));
}

/**
 * Canonical name of the token s[start, end) (also b[start, end): the same bytes) whose hash
 * (see hashStep) is `h`.
 * The caller guarantees s[start, end) is a token (RFC 3261 §25.1): for token chars,
 * `c | 0x20` equals a lower-case letter or '-' only when c is that letter (either case) or '-'.
 */
export function canonicalName(b: Uint8Array, s: string, start: number, end: number, h: number): string {
  const bucket = table[h & (BUCKETS - 1)];
  const len = end - start;
  for (let k = 0; k < bucket.length; k++) {
    const e = bucket[k];
    const codes = e.codes;
    if (codes.length !== len) continue;
    let i = 0;
    while (i < len && (b[start + i] | 0x20) === codes[i]) i++;
    if (i === len) return e.canonical;
  }
  return s.slice(start, end).toLowerCase();
}

// Header fields the parser indexes as it scans (SipMessage: first field of each, which are
// present, which repeated). The bit values are validate.ts's too.

export const HDR_TO = 1;
export const HDR_FROM = 2;
export const HDR_CALL_ID = 4;
export const HDR_CSEQ = 8;
export const HDR_VIA = 16;
export const HDR_MAX_FORWARDS = 32;
export const HDR_CONTENT_LENGTH = 64;
export const HDR_CONTENT_TYPE = 128;
export const HDR_CONTACT = 256;
export const HDR_ROUTE = 512;
export const HDR_RECORD_ROUTE = 1024;
export const HDR_PROXY_REQUIRE = 2048;
/** Slot k holds the field with bit 1 << k. */
export const INDEXED_SLOTS = 12;

const SLOT_OF = new Map<string, number>([
  ['to', 0], ['from', 1], ['call-id', 2], ['cseq', 3], ['via', 4], ['max-forwards', 5], ['content-length', 6],
  ['content-type', 7], ['contact', 8], ['route', 9], ['record-route', 10], ['proxy-require', 11],
]);

/** The slot of a canonical header name (see INDEXED_SLOTS), -1 if it has none. */
export function slotOf(canonical: string): number {
  return SLOT_OF.get(canonical) ?? -1;
}

// The head scanner's first try: the usual spellings (Title-Case and RFC forms, lower and upper
// case, compact forms) compared as whole strings, no per-byte loop. Indexed by length and the
// low 5 bits of the first character; a miss just means "use canonicalName".

export interface Spelling {
  readonly text: string;
  readonly canonical: string;
  /** slotOf(canonical) */
  readonly slot: number;
}

/** Longer names are not in SPELLINGS. */
export const MAX_SPELLED = 31;
/** Indexed by length * 32 + (first char & 31). */
export const SPELLINGS: readonly (readonly Spelling[] | undefined)[] = [];
const spellings = SPELLINGS as (Spelling[] | undefined)[];
{
  const all: [string, string][] = [];
  // Title-Case and the RFC spellings first: that is what nearly everybody sends.
  for (const d of DISPLAY) all.push([d, byName.get(d)!]);
  for (const canon of LONG_NAMES) all.push([titleCase(canon), canon], [canon, canon], [canon.toUpperCase(), canon]);
  for (const k of Object.keys(COMPACT_FORMS)) all.push([k, byName.get(k)!], [k.toUpperCase(), byName.get(k)!]);
  for (const [text, canonical] of all) {
    if (text.length > MAX_SPELLED) continue;
    const i = text.length * 32 + (text.charCodeAt(0) & 31);
    const list = (spellings[i] ??= []);
    if (!list.some((e) => e.text === text)) list.push({ text, canonical, slot: slotOf(canonical) });
  }
  for (let i = 0; i < (MAX_SPELLED + 1) * 32; i++) spellings[i] ??= undefined;
}

/**
 * The entry when s[start, end) is one of the usual spellings of a known header name (which are
 * all tokens); undefined otherwise (unknown, or unusually spelled: see canonicalName).
 */
export function knownSpelling(s: string, start: number, end: number): Spelling | undefined {
  const len = end - start;
  if (len > MAX_SPELLED) return undefined;
  const list = SPELLINGS[len * 32 + (s.charCodeAt(start) & 31)];
  if (list === undefined) return undefined;
  for (let k = 0; k < list.length; k++) {
    const e = list[k];
    if (s.startsWith(e.text, start)) return e;
  }
  return undefined;
}
