// name-addr / addr-spec header values: From, To (RFC 3261 §20.20, §20.39), Contact (§20.10),
// Route and Record-Route (§20.34, §20.30). Grammar (§25.1):
//   from-spec    = ( name-addr / addr-spec ) *( SEMI from-param )
//   name-addr    = [ display-name ] LAQUOT addr-spec RAQUOT
//   display-name = *(token LWS) / quoted-string
//   LAQUOT = SWS "<", RAQUOT = ">" SWS
//   route-param  = name-addr *( SEMI rr-param )
// RFC 3261 §20.10: without <>, every ';' parameter after the URI is a header parameter, and a URI
// holding a comma, question mark or semicolon MUST be enclosed in <> (RFC 4475 cparam01, regbadct).

import { CHARS, C_TOKEN, isAlpha, isDigit, isLwsChar, skipLws } from './chars.js';
import { SipParseError } from './errors.js';
import type { HeaderField } from './message.js';
import { appendCheckedParams, MAX_PARAMS, paramValue, parseParams, type Param } from './params.js';
import { ADDR_SPEC, PARAMS, QUOTED, TOKEN, URI_IN_BRACKETS, fewSemicolons } from './patterns.js';
import { scanQuoted, unquote } from './quoted.js';

export interface NameAddr {
  /** unquoted/unescaped display name if any (a byte string, like all parser output) */
  displayName?: string;
  /** the URI text (inside <> when bracketed) */
  uri: string;
  uriStart: number;
  uriEnd: number;
  bracketed: boolean;
  /** header params: after '>' or, in the addr-spec form, after the URI (RFC 3261 §20.10) */
  params: Param[];
  tag?: string;
  /** absolute offsets of this value */
  start: number;
  end: number;
  header: HeaderField;
}

export interface Contact extends NameAddr {
  /** the expires contact-param when it is a delta-seconds <= 2^32-1 (RFC 3261 §20.10); otherwise undefined */
  expires?: number;
  /** the q contact-param as written */
  q?: string;
}

export interface NameAddrOptions {
  /** error code for this header: 'E_FROM', 'E_TO', 'E_CONTACT', 'E_ROUTE', ... */
  code: string;
  /** comma-separated list allowed (Contact, Route, Record-Route) */
  multi: boolean;
  /** only the name-addr form is allowed (Route, Record-Route: RFC 3261 §25.1 route-param) */
  bracketsOnly: boolean;
  /** fill Contact.expires and Contact.q */
  contact: boolean;
}

/** Values across all fields of one list header (hostile-input bound). */
export const MAX_LIST_VALUES = 256;

/**
 * A cheap check that bytes[a, b) can be a URI as an addr-spec: scheme ":" then visible ASCII without
 * '<', '>', '"' or whitespace (RFC 4475 §3.1.2.14 badaspec: no spaces inside <>). The full
 * grammar of the URI is parseUri's business, applied by whoever uses the URI.
 */
function isUriText(bytes: Uint8Array, a: number, b: number): boolean {
  if (a >= b || !isAlpha(bytes[a])) return false;
  let i = a + 1;
  for (; i < b; i++) {
    const c = bytes[i];
    if (c === 58) break;
    if (!isAlpha(c) && !isDigit(c) && c !== 43 && c !== 45 && c !== 46) return false;
  }
  if (i >= b - 1) return false;
  for (i++; i < b; i++) {
    const c = bytes[i];
    if (c <= 32 || c >= 127 || c === 60 || c === 62 || c === 34) return false;
  }
  return true;
}

/** The token-form display name, folds and LWS runs collapsed to one SP. */
function tokenDisplayName(s: string, bytes: Uint8Array, a: number, b: number): string {
  let plain = true;
  for (let i = a; i < b; i++) {
    const c = bytes[i];
    if (c === 9 || c === 13 || c === 10 || (c === 32 && bytes[i + 1] === 32)) {
      plain = false;
      break;
    }
  }
  if (plain) return s.slice(a, b);
  let out = '';
  let ws = false;
  for (let i = a; i < b; i++) {
    const c = s.charCodeAt(i);
    if (isLwsChar(c)) {
      ws = true;
    } else {
      if (ws) out += ' ';
      ws = false;
      out += s[i];
    }
  }
  return out;
}

function parseDeltaSeconds(v: string | null): number | undefined {
  // RFC 4475 §3.1.2.4: an overlarge expires may be replaced by the default; we report it as absent
  // and leave the choice of default to the registrar.
  if (v === null || v.length === 0 || v.length > 10) return undefined;
  let n = 0;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (!isDigit(c)) return undefined;
    n = n * 10 + c - 48;
  }
  return n > 4294967295 ? undefined : n;
}

/** Parse the value(s) of one header field (s is the message head, b its bytes) and append them to out. */
export function parseNameAddrField(s: string, b: Uint8Array, h: HeaderField, out: Contact[], o: NameAddrOptions): void {
  const code = o.code;
  const end = h.valueEnd;
  let p = skipLws(b, h.valueStart, end);
  if (p >= end) throw new SipParseError(code, 'empty value');
  for (;;) {
    if (out.length >= MAX_LIST_VALUES) throw new SipParseError(code, 'too many values');
    const start = p;
    let displayName: string | undefined;
    let c = b[p];
    if (c === 34) {
      const qe = scanQuoted(b, p, end, code);
      displayName = unquote(s, b, p, qe);
      p = skipLws(b, qe, end);
      if (p >= end || b[p] !== 60) throw new SipParseError(code, "expected '<' after display name");
    } else if (c !== 60) {
      // *(token LWS) followed by '<' is a display name (RFC 4475 §3.1.1.6 lwsdisp: the LWS before
      // '<' may be missing); anything else starts an addr-spec.
      let q = p;
      let tokEnd = p;
      while (q < end) {
        const d = b[q];
        if ((CHARS[d] & C_TOKEN) !== 0) tokEnd = ++q;
        else if (isLwsChar(d)) q++;
        else break;
      }
      if (q < end && b[q] === 60 && tokEnd > p) {
        displayName = tokenDisplayName(s, b, p, tokEnd);
        p = q;
      }
    }
    let uriStart: number;
    let uriEnd: number;
    let bracketed: boolean;
    let last: number;
    c = b[p];
    if (c === 60) {
      const gt = s.indexOf('>', p + 1);
      if (gt < 0 || gt >= end) throw new SipParseError(code, "missing '>'");
      uriStart = p + 1;
      uriEnd = gt;
      bracketed = true;
      last = gt + 1;
    } else {
      if (o.bracketsOnly) throw new SipParseError(code, 'name-addr required (URI must be in <>)');
      uriStart = p;
      while (p < end) {
        c = b[p];
        if (c === 59 || c === 44 || isLwsChar(c)) break;
        // RFC 3261 §20.10: a URI with '?' (escaped headers) must be in <> (RFC 4475 §3.1.2.13 regbadct).
        if (c === 63) throw new SipParseError(code, "URI with '?' must be enclosed in <>");
        p++;
      }
      uriEnd = p;
      bracketed = false;
      last = p;
    }
    if (!isUriText(b, uriStart, uriEnd)) throw new SipParseError(code, 'malformed URI');
    const params: Param[] = [];
    last = parseParams(s, b, last, end, params, code);
    const tag = paramValue(params, 'tag');
    const v: Contact = {
      displayName,
      uri: s.slice(uriStart, uriEnd),
      uriStart,
      uriEnd,
      bracketed,
      params,
      tag: tag ?? undefined,
      start,
      end: last,
      header: h,
      expires: undefined,
      q: undefined,
    };
    if (o.contact && params.length > 0) {
      v.expires = parseDeltaSeconds(paramValue(params, 'expires') ?? null);
      v.q = paramValue(params, 'q') ?? undefined;
    }
    out.push(v);
    p = skipLws(b, last, end);
    if (p >= end) return;
    if (!o.multi || b[p] !== 44) throw new SipParseError(code, 'garbage after value');
    p = skipLws(b, p + 1, end);
    if (p >= end) throw new SipParseError(code, "empty value after ','");
  }
}

// The usual spellings of a single From/To value (patterns.ts): ["quoted" or plain token display
// name] <URI> [;params], or an addr-spec [;params]; params without LWS or quotes.
// Captures: 1 quoted display name, 2 token display name, 3 URI in <>, 4 its params, 5 addr-spec, 6 its params.
const NAME_ADDR_FAST = new RegExp(
  `(?:(${QUOTED})[ \\t]*|(${TOKEN}+(?: ${TOKEN}+)*)[ \\t]*)?<(${URI_IN_BRACKETS})>(${PARAMS})|(${ADDR_SPEC})(${PARAMS})`,
  'y',
);

/**
 * Whether parseNameAddrField(s, b, h, out, o) would accept h for a single-valued header (From,
 * To) without throwing; false means "maybe not": ask parseNameAddrField.
 */
export function isNameAddrFast(s: string, h: HeaderField): boolean {
  const vs = h.valueStart;
  const ve = h.valueEnd;
  NAME_ADDR_FAST.lastIndex = vs;
  return NAME_ADDR_FAST.test(s) && NAME_ADDR_FAST.lastIndex === ve && fewSemicolons(s, vs, ve, MAX_PARAMS);
}

/**
 * parseNameAddrField for a single-valued header (From, To) through NAME_ADDR_FAST: the value it
 * would return, or undefined when h is spelled otherwise.
 * (One function on purpose: it is compiled once, not once alone and again inlined in a caller.)
 */
export function parseNameAddrFast(s: string, b: Uint8Array, h: HeaderField): Contact | undefined {
  const vs = h.valueStart;
  const ve = h.valueEnd;
  NAME_ADDR_FAST.lastIndex = vs;
  const m = NAME_ADDR_FAST.exec(s);
  if (m === null || NAME_ADDR_FAST.lastIndex !== ve) return undefined;
  const quoted = m[1];
  const displayName = quoted === undefined ? m[2] : quoted.indexOf('\\') < 0 ? quoted.slice(1, -1) : unquote(s, b, vs, vs + quoted.length);
  let uri = m[3];
  let uriStart: number;
  let uriEnd: number;
  let q: number;
  const bracketed = uri !== undefined;
  if (uri !== undefined) {
    q = ve - m[4].length;
    uriEnd = q - 1;
    uriStart = uriEnd - uri.length;
  } else {
    uri = m[5];
    uriStart = vs;
    uriEnd = vs + uri.length;
    q = uriEnd;
  }
  // the params; the tag is the first one named so
  const params: Param[] = [];
  if (appendCheckedParams(s, q, ve, params) < ve) return undefined;
  let tag: string | undefined;
  for (const p of params) {
    if (p.name === 'tag') {
      tag = p.value ?? undefined;
      break;
    }
  }
  return {
    displayName,
    uri,
    uriStart,
    uriEnd,
    bracketed,
    params,
    tag,
    start: vs,
    end: ve,
    header: h,
    expires: undefined,
    q: undefined,
  };
}
