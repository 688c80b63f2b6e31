// Start line (RFC 3261 §7.1, §7.2, §25.1):
//   Request-Line = Method SP Request-URI SP SIP-Version CRLF
//   Status-Line  = SIP-Version SP Status-Code SP Reason-Phrase CRLF
//   SIP-Version  = "SIP" "/" 1*DIGIT "." 1*DIGIT   (case-insensitive, RFC 3261 §7.1)
//
// The request line is read liberally: the Request-URI is everything between the SP after the
// method and the last SP before the version, so a URI with embedded LWS stays one (bad) URI
// (RFC 4475 §3.1.2.8 lwsruri: 400, not 505), and extra SP around the elements (§3.1.2.9 lwsstart,
// §3.1.2.10 trws) is noted in `strict` for the validator instead of making the message unparseable.

import { CHARS, C_TOKEN, isDigit } from './chars.js';
import { SipParseError } from './errors.js';

export interface StartLine {
  isRequest: boolean;
  method: string;
  ruriStart: number;
  ruriEnd: number;
  version: string;
  status: number;
  reason: string;
  /** no SP beyond the single ones the grammar asks for */
  strict: boolean;
}

const E = 'E_FIRST_LINE';

/** "SIP" "/" 1*DIGIT "." 1*DIGIT, case-insensitive, at s[a, b). */
function isSipVersion(bytes: Uint8Array, a: number, b: number): boolean {
  if (b - a < 7) return false;
  if ((bytes[a] | 0x20) !== 115 || (bytes[a + 1] | 0x20) !== 105) return false;
  if ((bytes[a + 2] | 0x20) !== 112 || bytes[a + 3] !== 47) return false;
  let i = a + 4;
  const d0 = i;
  while (i < b && isDigit(bytes[i])) i++;
  if (i === d0 || i >= b || bytes[i] !== 46) return false;
  const d1 = ++i;
  while (i < b && isDigit(bytes[i])) i++;
  return i > d1 && i === b;
}

function version(s: string, bytes: Uint8Array, a: number, b: number): string {
  // The usual spelling costs no allocation.
  if (
    b - a === 7 &&
    bytes[a] === 83 && // S
    bytes[a + 1] === 73 && // I
    bytes[a + 2] === 80 && // P
    bytes[a + 4] === 50 && // 2
    bytes[a + 6] === 48 // 0
  ) {
    return 'SIP/2.0'; // '/' and '.' were checked by isSipVersion
  }
  return s.slice(a, b);
}

/** Parse the start line s[a, b) (bytes: the same text as bytes; b excludes the CRLF / LF). */
export function parseStartLine(s: string, bytes: Uint8Array, a: number, b: number): StartLine {
  // The caller has split lines at LF and refused any CR not followed by LF, so neither occurs here.
  // A Method is a token and '/' is not a token char, so "SIP/" can only start a Status-Line.
  if (
    b - a >= 4 &&
    (bytes[a] | 0x20) === 115 &&
    (bytes[a + 1] | 0x20) === 105 &&
    (bytes[a + 2] | 0x20) === 112 &&
    bytes[a + 3] === 47
  ) {
    return parseStatusLine(s, bytes, a, b);
  }
  let p = a;
  while (p < b && (CHARS[bytes[p]] & C_TOKEN) !== 0) p++;
  if (p === a || p >= b || bytes[p] !== 32) throw new SipParseError(E, 'malformed Request-Line');
  const methodEnd = p;
  let strict = true;
  let e = b;
  while (e > methodEnd && bytes[e - 1] === 32) e--;
  if (e < b) strict = false; // RFC 4475 §3.1.2.10 trws
  let lastSp = e - 1;
  while (lastSp > methodEnd && bytes[lastSp] !== 32) lastSp--;
  if (lastSp <= methodEnd) throw new SipParseError(E, 'Request-Line without Request-URI or SIP-Version');
  let rs = methodEnd + 1;
  let re = lastSp;
  while (rs < re && bytes[rs] === 32) rs++;
  while (re > rs && bytes[re - 1] === 32) re--;
  if (rs === re) throw new SipParseError(E, 'empty Request-URI');
  if (rs !== methodEnd + 1 || re !== lastSp) strict = false; // RFC 4475 §3.1.2.9 lwsstart
  if (!isSipVersion(bytes, lastSp + 1, e)) {
    throw new SipParseError('E_VERSION', 'malformed SIP-Version in Request-Line', 505);
  }
  return {
    isRequest: true,
    method: s.slice(a, methodEnd),
    ruriStart: rs,
    ruriEnd: re,
    version: version(s, bytes, lastSp + 1, e),
    status: 0,
    reason: '',
    strict,
  };
}

function parseStatusLine(s: string, bytes: Uint8Array, a: number, b: number): StartLine {
  let p = a;
  while (p < b && bytes[p] !== 32) p++;
  if (!isSipVersion(bytes, a, p)) throw new SipParseError(E, 'malformed SIP-Version in Status-Line');
  const ver = version(s, bytes, a, p);
  if (p >= b) throw new SipParseError(E, 'Status-Line without Status-Code');
  p++;
  const d0 = p;
  let status = 0;
  while (p < b && isDigit(bytes[p])) {
    // Status-Code is 3DIGIT; RFC 4475 §3.1.2.19 (bigcode) sends 4294967301. Read up to 10 digits
    // so the receiver can see the value and drop the response; longer is just garbage.
    if (p - d0 >= 10) throw new SipParseError(E, 'Status-Code too long');
    status = status * 10 + (bytes[p] - 48);
    p++;
  }
  if (p === d0) throw new SipParseError(E, 'Status-Line without Status-Code');
  // RFC 4475 §3.1.1.13 (noreason): the SP before an empty Reason-Phrase is required; we also
  // accept its absence (be liberal).
  if (p < b && bytes[p] !== 32) throw new SipParseError(E, 'malformed Status-Code');
  const reason = p < b ? s.slice(p + 1, b) : '';
  return { isRequest: false, method: '', ruriStart: 0, ruriEnd: 0, version: ver, status, reason, strict: true };
}
