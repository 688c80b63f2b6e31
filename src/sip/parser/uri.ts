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
import { SipParseError } from './errors.js';
import { isHost, parsePort, scanHost } from './host.js';

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

/** Is s[a, b) made of chars of class `flag`, every '%' starting a valid escape (RFC 3261 §25.1 escaped)? */
function allOf(s: string, a: number, b: number, flag: number): boolean {
  for (let i = a; i < b; i++) {
    const c = s.charCodeAt(i);
    if ((CHARS[c] & flag) === 0) return false;
    if (c === 37) {
      if (i + 2 >= b || hexVal(s.charCodeAt(i + 1)) < 0 || hexVal(s.charCodeAt(i + 2)) < 0) return false;
      i += 2;
    }
  }
  return true;
}

/** Which well-known scheme s[0, colon) is, case-insensitively; '' if another one. */
function knownScheme(s: string, colon: number): string {
  if (colon === 3) {
    const a = s.charCodeAt(0) | 0x20;
    const b = s.charCodeAt(1) | 0x20;
    const c = s.charCodeAt(2) | 0x20;
    if (a === 115 && b === 105 && c === 112) return 'sip';
    if (a === 116 && b === 101 && c === 108) return 'tel';
  } else if (colon === 4) {
    if (
      (s.charCodeAt(0) | 0x20) === 115 &&
      (s.charCodeAt(1) | 0x20) === 105 &&
      (s.charCodeAt(2) | 0x20) === 112 &&
      (s.charCodeAt(3) | 0x20) === 115
    ) {
      return 'sips';
    }
  }
  return '';
}

export function parseUri(text: string): SipUri {
  const len = text.length;
  // scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )  (RFC 3261 §25.1)
  if (len === 0 || !isAlpha(text.charCodeAt(0))) fail('scheme', text);
  let colon = 1;
  for (; colon < len; colon++) {
    const c = text.charCodeAt(colon);
    if (c === 58) break;
    if (!isAlpha(c) && !isDigit(c) && c !== 43 && c !== 45 && c !== 46) fail('scheme', text);
  }
  if (colon >= len) fail('no scheme', text);
  const known = knownScheme(text, colon);
  if (known === 'sip' || known === 'sips') return parseSipUri(text, known, colon + 1);
  if (known === 'tel') return parseTelUri(text, colon + 1);
  // Any other scheme: absoluteURI = scheme ":" ( hier-part / opaque-part ), 1*uric after the colon.
  if (colon + 1 >= len || !allOf(text, colon + 1, len, C_URIC)) fail('absoluteURI', text);
  return {
    scheme: text.slice(0, colon).toLowerCase(),
    user: undefined,
    password: undefined,
    host: '',
    port: undefined,
    params: '',
    headers: '',
    text,
    opaque: text.slice(colon + 1),
  };
}

function parseSipUri(text: string, scheme: string, p: number): SipUri {
  const len = text.length;
  let user: string | undefined;
  let password: string | undefined;
  // user and password cannot hold a raw "@" (only %40), nor can anything after the host: the first
  // "@" ends the userinfo, whatever ";" or "?" the user part holds (RFC 4475 intmeth, semiuri).
  const at = text.indexOf('@', p);
  if (at >= 0) {
    let colon = text.indexOf(':', p);
    if (colon < 0 || colon > at) colon = at;
    if (colon === p || !allOf(text, p, colon, C_USER)) fail('user', text);
    user = text.slice(p, colon);
    if (colon < at) {
      if (!allOf(text, colon + 1, at, C_PASS)) fail('password', text);
      password = text.slice(colon + 1, at);
    }
    p = at + 1;
  }
  const he = scanHost(text, p, len);
  if (!isHost(text, p, he)) fail('host', text);
  const host = text.slice(p, he);
  p = he;
  let port: number | undefined;
  if (p < len && text.charCodeAt(p) === 58) {
    let q = p + 1;
    while (q < len && isDigit(text.charCodeAt(q))) q++;
    port = parsePort(text, p + 1, q, E);
    p = q;
  }
  let params = '';
  if (p < len && text.charCodeAt(p) === 59) {
    const ps = p + 1;
    let q = text.indexOf('?', ps);
    if (q < 0) q = len;
    checkParams(text, ps, q);
    params = text.slice(ps, q);
    p = q;
  }
  let headers = '';
  if (p < len && text.charCodeAt(p) === 63) {
    checkHeaders(text, p + 1, len);
    headers = text.slice(p + 1);
    p = len;
  }
  if (p !== len) fail('unexpected character', text);
  return { scheme, user, password, host, port, params, headers, text, opaque: undefined };
}

/** uri-parameters: pname [ "=" pvalue ], pname = 1*paramchar, pvalue = 1*paramchar. */
function checkParams(text: string, a: number, b: number): void {
  let i = a;
  for (;;) {
    let semi = text.indexOf(';', i);
    if (semi < 0 || semi > b) semi = b;
    let eq = text.indexOf('=', i);
    if (eq < 0 || eq > semi) eq = semi;
    if (eq === i || !allOf(text, i, eq, C_PARAM)) fail('uri-parameter', text);
    if (eq < semi && (eq + 1 === semi || !allOf(text, eq + 1, semi, C_PARAM))) fail('uri-parameter', text);
    if (semi === b) return;
    i = semi + 1;
  }
}

/** headers: hname "=" hvalue *( "&" hname "=" hvalue ). */
function checkHeaders(text: string, a: number, b: number): void {
  let i = a;
  for (;;) {
    let amp = text.indexOf('&', i);
    if (amp < 0 || amp > b) amp = b;
    const eq = text.indexOf('=', i);
    if (eq < 0 || eq > amp || eq === i) fail('header', text);
    if (!allOf(text, i, eq, C_HNV) || !allOf(text, eq + 1, amp, C_HNV)) fail('header', text);
    if (amp === b) return;
    i = amp + 1;
  }
}

/**
 * tel: URI (RFC 3966): telephone-subscriber, whose number goes in `user` and parameters in `params`.
 * Checked loosely: a non-empty number, then uri-parameter syntax.
 */
function parseTelUri(text: string, p: number): SipUri {
  const len = text.length;
  let semi = text.indexOf(';', p);
  if (semi < 0) semi = len;
  if (semi === p || !allOf(text, p, semi, C_PARAM)) fail('telephone number', text);
  let params = '';
  if (semi < len) {
    checkParams(text, semi + 1, len);
    params = text.slice(semi + 1);
  }
  return {
    scheme: 'tel',
    user: text.slice(p, semi),
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
