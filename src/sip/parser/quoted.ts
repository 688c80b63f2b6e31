// quoted-string (RFC 3261 §25.1):
//   quoted-string = SWS DQUOTE *(qdtext / quoted-pair ) DQUOTE
//   qdtext        = LWS / %x21 / %x23-5B / %x5D-7E / UTF8-NONASCII
//   quoted-pair   = "\" (%x00-09 / %x0B-0C / %x0E-7F)

import { SipParseError } from './errors.js';

/**
 * b[p] is the opening DQUOTE; returns the offset after the closing one.
 * Raw control characters are refused (they may only appear escaped, RFC 4475 intmeth);
 * CR/LF are accepted because the head scanner has already proved they belong to a fold.
 */
export function scanQuoted(b: Uint8Array, p: number, end: number, code: string): number {
  p++;
  while (p < end) {
    const c = b[p];
    if (c === 34) return p + 1;
    if (c === 92) {
      // quoted-pair: anything but CR/LF may be escaped (RFC 4475 §3.1.1.2: NUL, BEL, DEL).
      if (p + 1 >= end) break;
      const n = b[p + 1];
      if (n === 10 || n === 13) throw new SipParseError(code, 'CR/LF escaped in quoted-string');
      p += 2;
      continue;
    }
    if ((c < 32 && c !== 9 && c !== 13 && c !== 10) || c === 127) {
      throw new SipParseError(code, 'control character in quoted-string');
    }
    p++;
  }
  // RFC 4475 §3.1.2.6 (quotbal): an unterminated quoted string is malformed.
  throw new SipParseError(code, 'unterminated quoted-string');
}

/** The text of the quoted-string s[start, end) (= b[start, end), quotes included) with quoted-pairs resolved and folds removed. */
export function unquote(s: string, b: Uint8Array, start: number, end: number): string {
  let plain = true;
  for (let i = start + 1; i < end - 1; i++) {
    const c = b[i];
    if (c === 92 || c === 13 || c === 10) {
      plain = false;
      break;
    }
  }
  if (plain) return s.slice(start + 1, end - 1);
  let out = '';
  for (let i = start + 1; i < end - 1; i++) {
    const c = s.charCodeAt(i);
    if (c === 92) {
      i++;
      out += s[i];
    } else if (c !== 13 && c !== 10) {
      out += s[i];
    }
  }
  return out;
}
