// Character classes of the RFC 3261 §25.1 grammar as one 256-entry bit table, so the scanners
// test a class with a single load and mask instead of regexes or chains of comparisons.
// All parser input is a latin1 "byte string": char code == byte value, 0..255. The scanners of
// header values read the message bytes (a Uint8Array with the same offsets as the head string):
// typed-array loads are markedly cheaper in V8 than String.prototype.charCodeAt.

export const C_TOKEN = 1; //   token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~")
export const C_WORD = 2; //    word  = token chars / "(" / ")" / "<" / ">" / ":" / "\" / DQUOTE / "/" / "[" / "]" / "?" / "{" / "}"
export const C_USER = 4; //    user  = unreserved / escaped / user-unreserved ("&" / "=" / "+" / "$" / "," / ";" / "?" / "/")
export const C_PASS = 8; //    password = unreserved / escaped / "&" / "=" / "+" / "$" / ","
export const C_PARAM = 16; //  paramchar = param-unreserved ("[" / "]" / "/" / ":" / "&" / "+" / "$") / unreserved / escaped
export const C_HNV = 32; //    hname/hvalue = hnv-unreserved ("[" / "]" / "/" / "?" / ":" / "+" / "$") / unreserved / escaped
export const C_URIC = 64; //   uric (RFC 2396, absoluteURI) = reserved / unreserved / escaped
export const C_HOST = 128; //  hostname chars: alphanum / "-" / "." (plus "_", liberally: it is common in real host names)

export const CHARS = new Uint8Array(256);

function add(chars: string, flag: number): void {
  for (let i = 0; i < chars.length; i++) CHARS[chars.charCodeAt(i)] |= flag;
}

const ALNUM = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const MARK = "-_.!~*'()"; // RFC 3261 §25.1 mark
const UNRESERVED = ALNUM + MARK;
add(ALNUM + "-.!%*_+`'~", C_TOKEN);
add(ALNUM + "-.!%*_+`'~" + '()<>:\\"/[]?{}', C_WORD);
add(UNRESERVED + '%' + '&=+$,;?/', C_USER);
add(UNRESERVED + '%' + '&=+$,', C_PASS);
add(UNRESERVED + '%' + '[]/:&+$', C_PARAM);
add(UNRESERVED + '%' + '[]/?:+$', C_HNV);
add(UNRESERVED + '%' + ';/?:@&=+$,', C_URIC);
add(ALNUM + '-._', C_HOST);

export function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

export function isAlpha(c: number): boolean {
  const l = c | 0x20;
  return l >= 97 && l <= 122;
}

/** Value of a hex digit, or -1. */
export function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 0x20;
  if (l >= 97 && l <= 102) return l - 87;
  return -1;
}

/** SP or HTAB (RFC 3261 §25.1 WSP). */
export function isWsp(c: number): boolean {
  return c === 32 || c === 9;
}

/**
 * Skip LWS/SWS inside a header value. The head scanner has already checked that every CR/LF
 * inside a value belongs to a fold (CRLF followed by WSP: RFC 3261 §7.3.1), so here CR and LF
 * are plain whitespace.
 */
export function skipLws(b: Uint8Array, p: number, end: number): number {
  while (p < end) {
    const c = b[p];
    if (c !== 32 && c !== 9 && c !== 13 && c !== 10) break;
    p++;
  }
  return p;
}

export function isLwsChar(c: number): boolean {
  return c === 32 || c === 9 || c === 13 || c === 10;
}
