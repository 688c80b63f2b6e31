// Header parameters (RFC 3261 §25.1):
//   *( SEMI generic-param ), SEMI = SWS ";" SWS, EQUAL = SWS "=" SWS
//   generic-param = token [ EQUAL gen-value ]
//   gen-value     = token / host / quoted-string
// Used by Via (via-params), From/To/Contact/Route (from-param, contact-params, rr-param).

import { CHARS, C_TOKEN, skipLws } from './chars.js';
import { SipParseError } from './errors.js';
import { scanQuoted } from './quoted.js';

export interface Param {
  /** lower-case */
  name: string;
  /** null: no '='. Quoted values keep their quotes, as written. */
  value: string | null;
  /** absolute offsets of 'name[=value]' without the leading ';' */
  start: number;
  end: number;
}

/** A header carries at most this many parameters per value (hostile-input bound). */
export const MAX_PARAMS = 64;

/** Parameter names nearly every message carries, as constants: no allocation, pointer-equal compares. */
const COMMON = ['branch', 'tag', 'lr', 'rport', 'received', 'expires', 'q', 'transport', 'maddr', 'ttl', 'user', 'method'];
const COMMON_CODES = COMMON.map((n) => Uint8Array.from(n, (c) => c.charCodeAt(0)));

function commonName(b: Uint8Array, x: number, y: number): string | undefined {
  const n = y - x;
  for (let k = 0; k < COMMON.length; k++) {
    const codes = COMMON_CODES[k];
    if (codes.length !== n || codes[0] !== b[x]) continue;
    let i = 1;
    while (i < n && codes[i] === b[x + i]) i++;
    if (i === n) return COMMON[k];
  }
  return undefined;
}

/** token chars plus ":" "[" "]" for host values (received=2001:db8::1, maddr=[::1]). */
function isGenValueChar(c: number): boolean {
  return (CHARS[c] & C_TOKEN) !== 0 || c === 58 || c === 91 || c === 93;
}

/**
 * Parse `*( SEMI generic-param )` from p. Appends to `out` and returns the offset just after the
 * last parameter (or p when there is none); stops at anything that is not ";" after SWS, leaving
 * the caller to decide whether that is a "," separator, the end, or garbage.
 */
export function parseParams(s: string, b: Uint8Array, p: number, end: number, out: Param[], code: string): number {
  for (;;) {
    let q = skipLws(b, p, end);
    if (q >= end || b[q] !== 59) return p;
    q = skipLws(b, q + 1, end);
    const ns = q;
    let upper = false;
    for (; q < end; q++) {
      const c = b[q];
      if ((CHARS[c] & C_TOKEN) === 0) break;
      if (c >= 65 && c <= 90) upper = true;
    }
    // RFC 4475 §3.1.2.1 (badinv01): ";;" is an empty parameter, not something to skip.
    if (q === ns) throw new SipParseError(code, 'empty or malformed parameter');
    if (out.length >= MAX_PARAMS) throw new SipParseError(code, 'too many parameters');
    // names are case-insensitive (RFC 3261 §7.3.1); lower-casing only when needed saves a call
    const name = upper ? s.slice(ns, q).toLowerCase() : (commonName(b, ns, q) ?? s.slice(ns, q));
    let value: string | null = null;
    let pe = q;
    const r = skipLws(b, q, end);
    if (r < end && b[r] === 61) {
      const vs = skipLws(b, r + 1, end);
      let ve = vs;
      if (vs < end && b[vs] === 34) {
        ve = scanQuoted(b, vs, end, code);
      } else {
        while (ve < end && isGenValueChar(b[ve])) ve++;
        if (ve === vs) throw new SipParseError(code, `parameter ${name} without a value after '='`);
      }
      value = s.slice(vs, ve);
      pe = ve;
    }
    out.push({ name, value, start: ns, end: pe });
    p = pe;
  }
}

/** The value of the first parameter named `name` (lower-case): null if valueless, undefined if absent. */
export function paramValue(params: readonly Param[], name: string): string | null | undefined {
  for (let i = 0; i < params.length; i++) if (params[i].name === name) return params[i].value;
  return undefined;
}

/**
 * The fast-path reading of parameters that the patterns in patterns.ts have already checked
 * (`;token[=value]` with no LWS and no quoted values): append them to `out` from `from` (at a
 * ';') up to `end`. Stops early at MAX_PARAMS; returns where it stopped (`end` when all were read).
 */
export function appendCheckedParams(s: string, from: number, end: number, out: Param[]): number {
  let q = from;
  while (q < end && out.length < MAX_PARAMS) {
    const ns = q + 1;
    let semi = s.indexOf(';', ns);
    if (semi < 0 || semi > end) semi = end;
    const eq = s.indexOf('=', ns);
    const hasValue = eq >= 0 && eq < semi;
    out.push({ name: s.slice(ns, hasValue ? eq : semi).toLowerCase(), value: hasValue ? s.slice(eq + 1, semi) : null, start: ns, end: semi });
    q = semi;
  }
  return q;
}
