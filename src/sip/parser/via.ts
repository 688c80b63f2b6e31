// Via (RFC 3261 §20.42, grammar §25.1):
//   Via           = ( "Via" / "v" ) HCOLON via-parm *(COMMA via-parm)
//   via-parm      = sent-protocol LWS sent-by *( SEMI via-params )
//   sent-protocol = protocol-name SLASH protocol-version SLASH transport   (SLASH = SWS "/" SWS)
//   sent-by       = host [ COLON port ]
//   via-params    = via-ttl / via-maddr / via-received / via-branch / response-port (RFC 3581) / via-extension

import { CHARS, C_TOKEN, isDigit, isLwsChar, skipLws } from './chars.js';
import { SipParseError } from './errors.js';
import { isHost, parsePort, scanHost } from './host.js';
import type { HeaderField } from './message.js';
import { appendCheckedParams, parseParams, type Param } from './params.js';
import { HOST, PARAMS } from './patterns.js';

export interface Via {
  /** 'SIP/2.0' */
  protocol: string;
  /** upper-case: 'UDP', 'TCP', 'TLS', 'SCTP', or anything (RFC 4475 §3.1.1.10) */
  transport: string;
  /** as written; an IPv6 reference keeps its brackets */
  host: string;
  port?: number;
  params: Param[];
  branch?: string;
  received?: string;
  maddr?: string;
  ttl?: number;
  /** undefined: absent; null: present without value (RFC 3581) */
  rport?: string | null;
  /** absolute offsets of this via-parm (sent-protocol .. last param), without commas/LWS around it */
  start: number;
  end: number;
  /** the header field it came from */
  header: HeaderField;
}

const E = 'E_VIA';

/** Every via-parm across all Via header fields, in order, are bounded by this (hostile-input bound). */
export const MAX_VIAS = 256;

function token(b: Uint8Array, p: number, end: number): number {
  const q = p;
  while (p < end && (CHARS[b[p]] & C_TOKEN) !== 0) p++;
  if (p === q) throw new SipParseError(E, 'malformed sent-protocol');
  return p;
}

function slash(b: Uint8Array, p: number, end: number): number {
  p = skipLws(b, p, end);
  if (p >= end || b[p] !== 47) throw new SipParseError(E, "expected '/' in sent-protocol");
  return skipLws(b, p + 1, end);
}

/** Case-insensitive equality of s[a, b) with an upper-case ASCII literal. */
function eqUpper(bytes: Uint8Array, a: number, b: number, lit: string): boolean {
  if (b - a !== lit.length) return false;
  for (let i = 0; i < lit.length; i++) {
    let c = bytes[a + i];
    if (c >= 97 && c <= 122) c -= 32;
    if (c !== lit.charCodeAt(i)) return false;
  }
  return true;
}

const TRANSPORTS = ['UDP', 'TCP', 'TLS', 'SCTP', 'WS', 'WSS', 'TLS-SCTP'];

function transportName(s: string, bytes: Uint8Array, a: number, b: number): string {
  for (let i = 0; i < TRANSPORTS.length; i++) if (eqUpper(bytes, a, b, TRANSPORTS[i])) return TRANSPORTS[i];
  return s.slice(a, b).toUpperCase();
}

/** Parse every via-parm of one Via header field (s is the message head, b its bytes) and append them to out. */
export function parseViaField(s: string, b: Uint8Array, h: HeaderField, out: Via[]): void {
  const end = h.valueEnd;
  let p = skipLws(b, h.valueStart, end);
  for (;;) {
    if (out.length >= MAX_VIAS) throw new SipParseError(E, 'too many Via values');
    const start = p;
    let protocol = 'SIP/2.0';
    let t0: number;
    if (
      // fast path for the spelling everybody sends
      p + 8 <= end &&
      b[p] === 83 && // S
      b[p + 1] === 73 && // I
      b[p + 2] === 80 && // P
      b[p + 3] === 47 && // /
      b[p + 4] === 50 && // 2
      b[p + 5] === 46 && // .
      b[p + 6] === 48 && // 0
      b[p + 7] === 47 // /
    ) {
      t0 = skipLws(b, p + 8, end);
    } else {
      const n1 = token(b, p, end);
      const v0 = slash(b, n1, end);
      const v1 = token(b, v0, end);
      t0 = slash(b, v1, end);
      if (!(eqUpper(b, start, n1, 'SIP') && v1 - v0 === 3 && b[v0] === 50 && b[v0 + 1] === 46 && b[v0 + 2] === 48)) {
        protocol = s.slice(start, n1).toUpperCase() + '/' + s.slice(v0, v1);
      }
    }
    const t1 = token(b, t0, end);
    const transport = transportName(s, b, t0, t1);
    // sent-protocol LWS sent-by: the LWS is required.
    if (t1 >= end || !isLwsChar(b[t1])) throw new SipParseError(E, 'missing sent-by');
    const hs = skipLws(b, t1, end);
    const he = scanHost(b, hs, end);
    if (!isHost(b, hs, he)) throw new SipParseError(E, 'bad sent-by host');
    const host = s.slice(hs, he);
    let port: number | undefined;
    let last = he;
    const c = skipLws(b, he, end);
    if (c < end && b[c] === 58) {
      const ps = skipLws(b, c + 1, end);
      let pe = ps;
      while (pe < end && isDigit(b[pe])) pe++;
      port = parsePort(b, ps, pe, E);
      last = pe;
    }
    const params: Param[] = [];
    last = parseParams(s, b, last, end, params, E);
    const via: Via = {
      protocol,
      transport,
      host,
      port,
      params,
      branch: undefined,
      received: undefined,
      maddr: undefined,
      ttl: undefined,
      rport: undefined,
      start,
      end: last,
      header: h,
    };
    for (let i = 0; i < params.length; i++) {
      const pr = params[i];
      switch (pr.name) {
        case 'branch':
          via.branch ??= pr.value ?? '';
          break;
        case 'received':
          via.received ??= pr.value ?? '';
          break;
        case 'maddr':
          via.maddr ??= pr.value ?? '';
          break;
        case 'ttl':
          via.ttl ??= parseTtl(pr.value);
          break;
        case 'rport':
          if (via.rport === undefined) via.rport = pr.value;
          break;
      }
    }
    out.push(via);
    p = skipLws(b, last, end);
    if (p >= end) return;
    if (b[p] !== 44) throw new SipParseError(E, 'garbage after via-parm');
    // RFC 4475 §3.1.2.1 (badinv01): an empty element between commas is malformed.
    p = skipLws(b, p + 1, end);
    if (p >= end) throw new SipParseError(E, "empty Via value after ','");
  }
}

/** ttl = 1*3DIGIT ; 0 to 255 */
function parseTtl(v: string | null): number {
  if (v === null || v.length === 0 || v.length > 3) throw new SipParseError(E, 'bad ttl');
  let n = 0;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (!isDigit(c)) throw new SipParseError(E, 'bad ttl');
    n = n * 10 + c - 48;
  }
  if (n > 255) throw new SipParseError(E, 'bad ttl');
  return n;
}

// The spelling nearly everybody sends (patterns.ts): SIP/2.0/<known transport> host[:port][;params],
// single SP/HT runs only where the grammar needs LWS.
const VIA_FAST = new RegExp(`SIP/2\\.0/(UDP|TCP|TLS|SCTP|TLS-SCTP|WS|WSS)[ \\t]+(${HOST})(?::(\\d{1,5})(?!\\d))?(${PARAMS})`, 'y');
const COMMA = /[ \t]*,[ \t]*/y;

/**
 * parseViaField through VIA_FAST: the same Via values appended to out, or false (out as it was)
 * when some via-parm is spelled otherwise, and only parseViaField can tell.
 * (One function on purpose: it is compiled once, not once alone and again inlined in a caller.)
 */
export function parseViaFieldFast(s: string, h: HeaderField, out: Via[]): boolean {
  const end = h.valueEnd;
  const n0 = out.length;
  let p = h.valueStart;
  for (;;) {
    if (out.length >= MAX_VIAS) break;
    VIA_FAST.lastIndex = p;
    const m = VIA_FAST.exec(s);
    if (m === null) break;
    const last = VIA_FAST.lastIndex;
    if (last > end) break;
    const portText = m[3];
    let port: number | undefined;
    if (portText !== undefined) {
      port = +portText;
      if (port > 65535) break;
    }
    const via: Via = {
      protocol: 'SIP/2.0',
      transport: m[1],
      host: m[2],
      port,
      params: [],
      branch: undefined,
      received: undefined,
      maddr: undefined,
      ttl: undefined,
      rport: undefined,
      start: p,
      end: last,
      header: h,
    };
    // the params, with the well-known ones picked out
    const params = via.params;
    const q = appendCheckedParams(s, last - m[4].length, last, params);
    let ttl = false;
    for (const { name, value } of params) {
      switch (name) {
        case 'branch':
          via.branch ??= value ?? '';
          break;
        case 'received':
          via.received ??= value ?? '';
          break;
        case 'maddr':
          via.maddr ??= value ?? '';
          break;
        case 'ttl':
          ttl = true; // parseTtl's checks: left to parseViaField
          break;
        case 'rport':
          if (via.rport === undefined) via.rport = value;
          break;
      }
    }
    if (q < last || ttl) break;
    out.push(via);
    if (last === end) return true;
    COMMA.lastIndex = last;
    if (!COMMA.test(s)) break;
    p = COMMA.lastIndex;
    if (p >= end) break;
  }
  out.length = n0;
  return false;
}
