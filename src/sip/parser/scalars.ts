// Numeric header values: Max-Forwards (RFC 3261 §20.22) and Content-Length (§20.14), both 1*DIGIT.

import { isDigit, skipLws } from './chars.js';
import { SipParseError } from './errors.js';

/**
 * 1*DIGIT between optional LWS. Returns -1 when the value is not 1*DIGIT, -2 when it has more
 * than `maxDigits` significant digits (a number too large to be meant), else the value.
 */
export function parseDigits(b: Uint8Array, start: number, end: number, maxDigits: number): number {
  let p = skipLws(b, start, end);
  const d0 = p;
  while (p < end && b[p] === 48) p++; // leading zeros (RFC 4475 wsinv: 0068)
  const sig = p;
  let v = 0;
  while (p < end) {
    const c = b[p];
    if (!isDigit(c)) break;
    if (p - sig >= maxDigits) {
      // keep scanning so that "12x" style garbage still reads as malformed, not as overlarge
      while (p < end && isDigit(b[p])) p++;
      return skipLws(b, p, end) === end ? -2 : -1;
    }
    v = v * 10 + (c - 48);
    p++;
  }
  if (p === d0 || skipLws(b, p, end) !== end) return -1;
  return v;
}

/**
 * Max-Forwards = 1*DIGIT, 0..255 (RFC 3261 §25.1 allows any 1*DIGIT; §8.1.1.6 and RFC 4475
 * §3.1.2.4 say an element may treat a value over 255 as absent: code E_MAX_FORWARDS_RANGE
 * tells that case apart from malformed input).
 */
export function parseMaxForwards(b: Uint8Array, start: number, end: number): number {
  const v = parseDigits(b, start, end, 10);
  if (v === -1) throw new SipParseError('E_MAX_FORWARDS', 'Max-Forwards is not 1*DIGIT');
  if (v === -2 || v > 255) throw new SipParseError('E_MAX_FORWARDS_RANGE', 'Max-Forwards larger than 255');
  return v;
}

/** Content-Length = 1*DIGIT. Negative (RFC 4475 ncl) or non-numeric values are framing errors. */
export function parseContentLength(b: Uint8Array, start: number, end: number): number {
  const v = parseDigits(b, start, end, 10);
  if (v === -1) {
    const neg = b[skipLws(b, start, end)] === 45;
    throw new SipParseError('E_CONTENT_LENGTH', neg ? 'negative Content-Length' : 'Content-Length is not 1*DIGIT');
  }
  if (v === -2 || v > 4294967295) throw new SipParseError('E_CONTENT_LENGTH', 'Content-Length too large');
  return v;
}
