// URIs (RFC 3261 §19.1, grammar §25.1):
//   SIP-URI   = "sip:" [ userinfo ] hostport uri-parameters [ headers ]
//   SIPS-URI  = "sips:" [ userinfo ] hostport uri-parameters [ headers ]
//   userinfo  = ( user / telephone-subscriber ) [ ":" password ] "@"
//   uri-parameters = *( ";" uri-parameter ) ; uri-parameter = pname [ "=" pvalue ]
//   headers   = "?" header *( "&" header ) ; header = hname "=" hvalue
// plus tel: (RFC 3966) and, for any other scheme, the generic absoluteURI of RFC 2396 §3
// (RFC 3261 §25.1 addr-spec), which RFC 4475 unkscm / novelsc / unksm2 require a parser to accept.
//
// Nothing is unescaped on parsing: user, password, params and headers keep their %HH escapes
// exactly as written, so a URI forwarded unchanged is byte-identical (RFC 4475 §3.1.1.3).

import { CHARS, C_HNV, C_PARAM, C_PASS, C_URIC, C_USER, hexVal, isAlpha, isDigit } from './chars.js';
import { writeUtf8 } from '../../util/buffer-write.js';
import { SipParseError } from './errors.js';
import { isHost, parsePort, scanHost } from './host.js';
import { SIP_URI_NO_HEADERS, matchesExactly } from './patterns.js';

export interface SipUri {
  /** lower-case: 'sip' | 'sips' | 'tel' | anything else */
  scheme: string;
  /** as written (escaped); for tel: the number */
  user?: string;
  password?: string;
  /** as written ('' for tel and unknown schemes); an IPv6 reference keeps its brackets */
  host: string;
  port?: number;
  /** raw uri-parameters without the leading ';' ('' if none) */
  params: string;
  /** raw headers without the '?' ('' if none) */
  headers: string;
  /** the whole URI as given */
  text: string;
  /** schemes other than sip/sips/tel: everything after "scheme:" (what formatUri writes back) */
  opaque?: string;
}

const E = 'E_URI';

function fail(why: string, text: string): never {
  throw new SipParseError(E, `bad URI (${why}): ${text.length > 80 ? text.slice(0, 80) + '...' : text}`);
}

/** Is b[x, y) made of chars of class `flag`, every '%' starting a valid escape (RFC 3261 §25.1 escaped)? */
function allOf(b: Uint8Array, x: number, y: number, flag: number): boolean {
  for (let i = x; i < y; i++) {
    const c = b[i];
    if ((CHARS[c] & flag) === 0) return false;
    if (c === 37) {
      if (i + 2 >= y || hexVal(b[i + 1]) < 0 || hexVal(b[i + 2]) < 0) return false;
      i += 2;
    }
  }
  return true;
}

/** First offset of byte c in b[x, y), or y. */
function find(b: Uint8Array, c: number, x: number, y: number): number {
  while (x < y && b[x] !== c) x++;
  return x;
}

/** Which well-known scheme b[x, colon) is, case-insensitively; '' if another one. */
function knownScheme(b: Uint8Array, x: number, colon: number): string {
  const n = colon - x;
  if (n === 3) {
    const c0 = b[x] | 0x20;
    const c1 = b[x + 1] | 0x20;
    const c2 = b[x + 2] | 0x20;
    if (c0 === 115 && c1 === 105 && c2 === 112) return 'sip';
    if (c0 === 116 && c1 === 101 && c2 === 108) return 'tel';
  } else if (n === 4) {
    if ((b[x] | 0x20) === 115 && (b[x + 1] | 0x20) === 105 && (b[x + 2] | 0x20) === 112 && (b[x + 3] | 0x20) === 115) {
      return 'sips';
    }
  }
  return '';
}

// Scratch space for parseUri(text): the grammar is checked on bytes, which V8 reads faster than
// a string's chars; the parts returned are slices of `text`. Longer texts get a buffer of their
// own, so one huge URI does not pin a huge scratch buffer.
const scratch = Buffer.allocUnsafe(2048);

export function parseUri(text: string): SipUri {
  // A URI is ASCII (RFC 3986 §2, RFC 3261 §25.1: anything else is %-escaped). Written as UTF-8,
  // an ASCII text takes exactly one byte per char; anything else takes more (or does not fit).
  const len = text.length;
  const b = len <= scratch.length ? scratch : Buffer.allocUnsafe(len);
  if (writeUtf8(b, text, 0) !== len) fail('non-ASCII character', text);
  return parseUriBytes(b, 0, len, text);
}

/**
 * Parse the URI in bytes b[start, end), whose text is `text` (the same characters as a string):
 * how SipMessage.uri parses the Request-URI straight from the message bytes.
 */
export function parseUriBytes(b: Uint8Array, start: number, end: number, text: string): SipUri {
  // scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )  (RFC 3261 §25.1)
  if (start >= end || !isAlpha(b[start])) fail('scheme', text);
  let colon = start + 1;
  for (; colon < end; colon++) {
    const c = b[colon];
    if (c === 58) break;
    if (!isAlpha(c) && !isDigit(c) && c !== 43 && c !== 45 && c !== 46) fail('scheme', text);
  }
  if (colon >= end) fail('no scheme', text);
  const known = knownScheme(b, start, colon);
  if (known === 'sip' || known === 'sips') return parseSipUri(b, start, end, text, known, colon + 1);
  if (known === 'tel') return parseTelUri(b, start, end, text, colon + 1);
  // Any other scheme: absoluteURI = scheme ":" ( hier-part / opaque-part ), 1*uric after the colon.
  if (colon + 1 >= end || !allOf(b, colon + 1, end, C_URIC)) fail('absoluteURI', text);
  return {
    scheme: text.slice(0, colon - start).toLowerCase(),
    user: undefined,
    password: undefined,
    host: '',
    port: undefined,
    params: '',
    headers: '',
    text,
    opaque: text.slice(colon + 1 - start),
  };
}

function parseSipUri(b: Uint8Array, start: number, end: number, text: string, scheme: string, p: number): SipUri {
  let user: string | undefined;
  let password: string | undefined;
  // user and password cannot hold a raw "@" (only %40), nor can anything after the host: the first
  // "@" ends the userinfo, whatever ";" or "?" the user part holds (RFC 4475 intmeth, semiuri).
  const at = find(b, 64, p, end);
  if (at < end) {
    const colon = find(b, 58, p, at);
    if (colon === p || !allOf(b, p, colon, C_USER)) fail('user', text);
    user = text.slice(p - start, colon - start);
    if (colon < at) {
      if (!allOf(b, colon + 1, at, C_PASS)) fail('password', text);
      password = text.slice(colon + 1 - start, at - start);
    }
    p = at + 1;
  }
  const he = scanHost(b, p, end);
  if (!isHost(b, p, he)) fail('host', text);
  const host = text.slice(p - start, he - start);
  p = he;
  let port: number | undefined;
  if (p < end && b[p] === 58) {
    let q = p + 1;
    while (q < end && isDigit(b[q])) q++;
    port = parsePort(b, p + 1, q, E);
    p = q;
  }
  let params = '';
  if (p < end && b[p] === 59) {
    const q = find(b, 63, p + 1, end);
    checkParams(b, p + 1, q, text);
    params = text.slice(p + 1 - start, q - start);
    p = q;
  }
  let headers = '';
  if (p < end && b[p] === 63) {
    checkHeaders(b, p + 1, end, text);
    headers = text.slice(p + 1 - start);
    p = end;
  }
  if (p !== end) fail('unexpected character', text);
  return { scheme, user, password, host, port, params, headers, text, opaque: undefined };
}

/** uri-parameters: pname [ "=" pvalue ], pname = 1*paramchar, pvalue = 1*paramchar. */
function checkParams(b: Uint8Array, x: number, y: number, text: string): void {
  let i = x;
  for (;;) {
    const semi = find(b, 59, i, y);
    const eq = find(b, 61, i, semi);
    if (eq === i || !allOf(b, i, eq, C_PARAM)) fail('uri-parameter', text);
    if (eq < semi && (eq + 1 === semi || !allOf(b, eq + 1, semi, C_PARAM))) fail('uri-parameter', text);
    if (semi === y) return;
    i = semi + 1;
  }
}

/** headers: hname "=" hvalue *( "&" hname "=" hvalue ). */
function checkHeaders(b: Uint8Array, x: number, y: number, text: string): void {
  let i = x;
  for (;;) {
    const amp = find(b, 38, i, y);
    const eq = find(b, 61, i, amp);
    if (eq === amp || eq === i) fail('header', text);
    if (!allOf(b, i, eq, C_HNV) || !allOf(b, eq + 1, amp, C_HNV)) fail('header', text);
    if (amp === y) return;
    i = amp + 1;
  }
}

/**
 * tel: URI (RFC 3966): telephone-subscriber, whose number goes in `user` and parameters in `params`.
 * Checked loosely: a non-empty number, then uri-parameter syntax.
 */
function parseTelUri(b: Uint8Array, start: number, end: number, text: string, p: number): SipUri {
  const semi = find(b, 59, p, end);
  if (semi === p || !allOf(b, p, semi, C_PARAM)) fail('telephone number', text);
  let params = '';
  if (semi < end) {
    checkParams(b, semi + 1, end, text);
    params = text.slice(semi + 1 - start);
  }
  return {
    scheme: 'tel',
    user: text.slice(p - start, semi - start),
    password: undefined,
    host: '',
    port: undefined,
    params,
    headers: '',
    text,
    opaque: undefined,
  };
}

/**
 * Look up a uri-parameter by name (case-insensitive, compared after unescaping, so an escaped
 * name such as %6C%72 finds "lr": RFC 4475 esc01). Returns the value as written (still escaped),
 * null when the parameter has no value, undefined when it is absent.
 */
export function uriParam(uri: SipUri, name: string): string | null | undefined {
  const ps = uri.params;
  if (ps === '') return undefined;
  const want = name.toLowerCase();
  let i = 0;
  const len = ps.length;
  while (i <= len) {
    let semi = ps.indexOf(';', i);
    if (semi < 0) semi = len;
    let eq = ps.indexOf('=', i);
    if (eq < 0 || eq > semi) eq = semi;
    if (nameMatches(ps, i, eq, want)) return eq < semi ? ps.slice(eq + 1, semi) : null;
    i = semi + 1;
  }
  return undefined;
}

function nameMatches(s: string, a: number, b: number, want: string): boolean {
  if (b - a === want.length) {
    let i = 0;
    while (i < want.length) {
      let c = s.charCodeAt(a + i);
      if (c >= 65 && c <= 90) c |= 0x20;
      if (c !== want.charCodeAt(i)) break;
      i++;
    }
    if (i === want.length) return true;
  }
  if (s.indexOf('%', a) < 0 || s.indexOf('%', a) >= b) return false;
  return unescapeUri(s.slice(a, b)).toLowerCase() === want;
}

/** Write a URI from its parts (the inverse of parseUri; `text` is ignored). */
export function formatUri(u: Omit<SipUri, 'text'>): string {
  const scheme = u.scheme;
  if (scheme === 'sip' || scheme === 'sips') {
    let out = scheme + ':';
    if (u.user) out += u.password !== undefined ? u.user + ':' + u.password + '@' : u.user + '@';
    out += u.host;
    if (u.port !== undefined) out += ':' + u.port;
    if (u.params) out += ';' + u.params;
    if (u.headers) out += '?' + u.headers;
    return out;
  }
  if (scheme === 'tel') return 'tel:' + (u.user ?? '') + (u.params ? ';' + u.params : '');
  return scheme + ':' + (u.opaque ?? '');
}

/**
 * Decode %HH escapes, exactly one level (RFC 4475 §3.1.1.3: n%61me=v%61lue%25%34%31 is
 * name=value%41, not valueA). Malformed escapes are left as they are. The result is a byte string
 * (one char per octet), like every other string the parser returns; %00 gives "\0" and does not
 * truncate (RFC 4475 §3.1.1.4).
 */
export function unescapeUri(s: string): string {
  let i = s.indexOf('%');
  if (i < 0) return s;
  let out = s.slice(0, i);
  const len = s.length;
  while (i < len) {
    const c = s.charCodeAt(i);
    if (c === 37 && i + 2 < len) {
      const h = hexVal(s.charCodeAt(i + 1));
      const l = hexVal(s.charCodeAt(i + 2));
      if (h >= 0 && l >= 0) {
        out += String.fromCharCode(h * 16 + l);
        i += 3;
        continue;
      }
    }
    out += s[i];
    i++;
  }
  return out;
}

const SIP_URI_FAST = new RegExp(SIP_URI_NO_HEADERS, 'y');

/**
 * True when s[start, end) is a sip: or sips: URI, without headers, that parseUriBytes accepts
 * (a pattern, patterns.ts); false means "maybe not": ask parseUriBytes.
 */
export function isSipUriWithoutHeaders(s: string, start: number, end: number): boolean {
  return matchesExactly(SIP_URI_FAST, s, start, end);
}
