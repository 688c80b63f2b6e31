// host and port (RFC 3261 §25.1):
//   host          = hostname / IPv4address / IPv6reference
//   hostname      = *( domainlabel "." ) toplabel [ "." ]
//   domainlabel   = alphanum / alphanum *( alphanum / "-" ) alphanum
//   toplabel      = ALPHA / ALPHA *( alphanum / "-" ) alphanum
//   IPv4address   = 1*3DIGIT "." 1*3DIGIT "." 1*3DIGIT "." 1*3DIGIT
//   IPv6reference = "[" IPv6address "]"
//   port          = 1*DIGIT

import { CHARS, C_HOST, hexVal, isAlpha, isDigit } from './chars.js';
import { SipParseError } from './errors.js';

export function isIPv4(s: string, a: number, b: number): boolean {
  let parts = 0;
  let i = a;
  while (parts < 4) {
    let v = 0;
    const d0 = i;
    while (i < b && isDigit(s.charCodeAt(i)) && i - d0 < 3) v = v * 10 + (s.charCodeAt(i++) - 48);
    if (i === d0 || v > 255) return false;
    parts++;
    if (parts === 4) break;
    if (i >= b || s.charCodeAt(i) !== 46) return false;
    i++;
  }
  return i === b;
}

/** IPv6address (RFC 3261 §25.1 / RFC 4291 §2.2 text forms), s[a, b) without brackets. */
export function isIPv6(s: string, a: number, b: number): boolean {
  if (b - a < 2) return false;
  let groups = 0;
  let compressed = false;
  let i = a;
  if (s.charCodeAt(a) === 58) {
    if (s.charCodeAt(a + 1) !== 58) return false;
    compressed = true;
    i = a + 2;
  }
  while (i < b) {
    let j = i;
    while (j < b && j - i < 5 && hexVal(s.charCodeAt(j)) >= 0) j++;
    if (j < b && s.charCodeAt(j) === 46) {
      // An embedded IPv4 address ends the address and counts as two groups.
      if (!isIPv4(s, i, b)) return false;
      groups += 2;
      i = b;
      break;
    }
    if (j === i || j - i > 4) return false;
    groups++;
    if (j === b) {
      i = b;
      break;
    }
    if (s.charCodeAt(j) !== 58) return false;
    if (j + 1 < b && s.charCodeAt(j + 1) === 58) {
      if (compressed) return false;
      compressed = true;
      i = j + 2;
    } else {
      i = j + 1;
      if (i === b) return false;
    }
  }
  return compressed ? groups <= 7 : groups === 8;
}

export function isHostname(s: string, a: number, b: number): boolean {
  if (a >= b) return false;
  if (s.charCodeAt(b - 1) === 46) b--; // optional trailing "."
  if (a >= b) return false;
  let labelStart = a;
  for (let i = a; i <= b; i++) {
    const c = i < b ? s.charCodeAt(i) : 46;
    if (c === 46) {
      if (i === labelStart) return false; // empty label
      if (s.charCodeAt(labelStart) === 45 || s.charCodeAt(i - 1) === 45) return false; // "-" at either end
      if (i === b && !isAlpha(s.charCodeAt(labelStart))) return false; // toplabel starts with ALPHA
      labelStart = i + 1;
    } else if ((CHARS[c] & C_HOST) === 0) {
      return false;
    }
  }
  return true;
}

/** True when s[a, b) is a host: hostname, IPv4address or IPv6reference (with brackets). */
export function isHost(s: string, a: number, b: number): boolean {
  if (a >= b) return false;
  if (s.charCodeAt(a) === 91) return s.charCodeAt(b - 1) === 93 && isIPv6(s, a + 1, b - 1);
  const c = s.charCodeAt(a);
  if (isDigit(c) && isIPv4(s, a, b)) return true;
  return isHostname(s, a, b);
}

/**
 * End of a host starting at a (scan only: an IPv6reference runs to its "]", anything else over
 * hostname characters); validate with isHost.
 */
export function scanHost(s: string, a: number, end: number): number {
  if (a < end && s.charCodeAt(a) === 91) {
    const close = s.indexOf(']', a);
    return close < 0 || close >= end ? end : close + 1;
  }
  while (a < end && (CHARS[s.charCodeAt(a)] & C_HOST) !== 0) a++;
  return a;
}

/** port = 1*DIGIT, 0..65535. */
export function parsePort(s: string, a: number, b: number, code: string): number {
  if (a >= b || b - a > 10) throw new SipParseError(code, 'bad port');
  let v = 0;
  for (let i = a; i < b; i++) {
    const c = s.charCodeAt(i);
    if (!isDigit(c)) throw new SipParseError(code, 'bad port');
    v = v * 10 + (c - 48);
  }
  if (v > 65535) throw new SipParseError(code, 'port out of range');
  return v;
}
