// host and port (RFC 3261 §25.1):
//   host          = hostname / IPv4address / IPv6reference
//   hostname      = *( domainlabel "." ) toplabel [ "." ]
//   domainlabel   = alphanum / alphanum *( alphanum / "-" ) alphanum
//   toplabel      = ALPHA / ALPHA *( alphanum / "-" ) alphanum
//   IPv4address   = 1*3DIGIT "." 1*3DIGIT "." 1*3DIGIT "." 1*3DIGIT
//   IPv6reference = "[" IPv6address "]"
//   port          = 1*DIGIT
// All functions read bytes (latin1 / ASCII), s[a, b) being the text to check.

import { CHARS, C_HOST, hexVal, isAlpha, isDigit } from './chars.js';
import { SipParseError } from './errors.js';

export function isIPv4(s: Uint8Array, a: number, b: number): boolean {
  let parts = 0;
  let i = a;
  while (parts < 4) {
    let v = 0;
    const d0 = i;
    while (i < b && isDigit(s[i]) && i - d0 < 3) v = v * 10 + (s[i++] - 48);
    if (i === d0 || v > 255) return false;
    parts++;
    if (parts === 4) break;
    if (i >= b || s[i] !== 46) return false;
    i++;
  }
  return i === b;
}

/** IPv6address (RFC 3261 §25.1 / RFC 4291 §2.2 text forms), s[a, b) without brackets. */
export function isIPv6(s: Uint8Array, a: number, b: number): boolean {
  if (b - a < 2) return false;
  let groups = 0;
  let compressed = false;
  let i = a;
  if (s[a] === 58) {
    if (s[a + 1] !== 58) return false;
    compressed = true;
    i = a + 2;
  }
  while (i < b) {
    let j = i;
    while (j < b && j - i < 5 && hexVal(s[j]) >= 0) j++;
    if (j < b && s[j] === 46) {
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
    if (s[j] !== 58) return false;
    if (j + 1 < b && s[j + 1] === 58) {
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

export function isHostname(s: Uint8Array, a: number, b: number): boolean {
  if (a >= b) return false;
  if (s[b - 1] === 46) b--; // optional trailing "."
  if (a >= b) return false;
  let labelStart = a;
  for (let i = a; i <= b; i++) {
    const c = i < b ? s[i] : 46;
    if (c === 46) {
      if (i === labelStart) return false; // empty label
      if (s[labelStart] === 45 || s[i - 1] === 45) return false; // "-" at either end
      if (i === b && !isAlpha(s[labelStart])) return false; // toplabel starts with ALPHA
      labelStart = i + 1;
    } else if ((CHARS[c] & C_HOST) === 0) {
      return false;
    }
  }
  return true;
}

/** True when s[a, b) is a host: hostname, IPv4address or IPv6reference (with brackets). */
export function isHost(s: Uint8Array, a: number, b: number): boolean {
  if (a >= b) return false;
  if (s[a] === 91) return s[b - 1] === 93 && isIPv6(s, a + 1, b - 1);
  const c = s[a];
  if (isDigit(c) && isIPv4(s, a, b)) return true;
  return isHostname(s, a, b);
}

/**
 * End of a host starting at a (scan only: an IPv6reference runs to its "]", anything else over
 * hostname characters); validate with isHost.
 */
export function scanHost(s: Uint8Array, a: number, end: number): number {
  if (a < end && s[a] === 91) {
    let close = a + 1;
    while (close < end && s[close] !== 93) close++;
    return close < end ? close + 1 : end;
  }
  while (a < end && (CHARS[s[a]] & C_HOST) !== 0) a++;
  return a;
}

/** port = 1*DIGIT, 0..65535. */
export function parsePort(s: Uint8Array, a: number, b: number, code: string): number {
  if (a >= b || b - a > 10) throw new SipParseError(code, 'bad port');
  let v = 0;
  for (let i = a; i < b; i++) {
    const c = s[i];
    if (!isDigit(c)) throw new SipParseError(code, 'bad port');
    v = v * 10 + (c - 48);
  }
  if (v > 65535) throw new SipParseError(code, 'port out of range');
  return v;
}
