// Framing SIP messages on a byte stream (TCP/TLS): RFC 3261 §18.3 - on a stream the
// Content-Length header field MUST be present and gives the body size; RFC 3261 §7.5 - CRLFs
// before the start line are ignored; RFC 5626 §3.5.1 - a CRLFCRLF "ping" asks for a CRLF "pong".

import { SipParseError } from './errors.js';
import { MAX_HEAD } from './limits.js';
import { parseContentLength } from './scalars.js';

export type Frame =
  | { kind: 'message'; start: number; end: number }
  | { kind: 'keepalive'; end: number }
  | { kind: 'incomplete' }
  | { kind: 'error'; error: SipParseError };

const INCOMPLETE: Frame = { kind: 'incomplete' };
const LF_CRLF = Buffer.from('\n\r\n', 'latin1');
const LF_LF = Buffer.from('\n\n', 'latin1');

function error(code: string, text: string, status = 400): Frame {
  return { kind: 'error', error: new SipParseError(code, text, status) };
}

/**
 * Offset after the empty line ending the head in buf[start, limit) (CRLF or, liberally, bare LF
 * line ends), or -1. Native searches, nothing decoded: a stream trickling in byte by byte has
 * frameStream called once per chunk, so this must stay cheap however large the pending head is.
 */
function findHeadEndIn(buf: Buffer, start: number, limit: number): number {
  const view = buf.subarray(start, limit);
  const a = view.indexOf(LF_CRLF); // "\r\n\r\n", or a bare LF followed by CRLF
  // "\n\n" (bare LF ends) only counts if it comes first; search no further than needed
  const b = (a >= 0 ? view.subarray(0, a + 2) : view).indexOf(LF_LF);
  if (b >= 0) return start + b + 2;
  return a >= 0 ? start + a + 3 : -1;
}

/** Is s[a, b) "content-length" or "l", case-insensitive (RFC 3261 §7.3.1, §7.3.3)? */
function isContentLengthName(s: string, a: number, b: number): boolean {
  if (b - a === 1) return (s.charCodeAt(a) | 0x20) === 108;
  if (b - a !== 14) return false;
  const lit = 'content-length';
  for (let i = 0; i < 14; i++) if ((s.charCodeAt(a + i) | 0x20) !== lit.charCodeAt(i)) return false;
  return true;
}

/**
 * The Content-Length of the head s[0, headEnd) (the bytes buf[start, start + headEnd)): -1 if
 * there is none; throws SipParseError on a malformed or conflicting one (RFC 4475 §3.1.2.3 ncl,
 * §3.3.9 mcl01).
 */
function headContentLength(s: string, buf: Buffer, start: number, headEnd: number): number {
  let cl = -1;
  let line = s.indexOf('\n') + 1; // the start line is not a header
  while (line > 0 && line < headEnd) {
    let nl = s.indexOf('\n', line);
    if (nl < 0 || nl >= headEnd) break;
    const c0 = s.charCodeAt(line);
    if (c0 === 13 || c0 === 10) break; // the empty line
    let i = line;
    while (i < nl) {
      const c = s.charCodeAt(i);
      if (c === 58 || c === 32 || c === 9) break;
      i++;
    }
    const nameEnd = i;
    while (i < nl && (s.charCodeAt(i) === 32 || s.charCodeAt(i) === 9)) i++;
    // folded continuation lines belong to this field
    while (nl + 1 < headEnd && (s.charCodeAt(nl + 1) === 32 || s.charCodeAt(nl + 1) === 9)) {
      const next = s.indexOf('\n', nl + 1);
      if (next < 0 || next >= headEnd) break;
      nl = next;
    }
    if (i < nl && s.charCodeAt(i) === 58 && isContentLengthName(s, line, nameEnd)) {
      const v = parseContentLength(buf, start + i + 1, start + nl);
      if (cl >= 0 && v !== cl) throw new SipParseError('E_CONTENT_LENGTH', 'conflicting Content-Length values');
      cl = v;
    }
    line = nl + 1;
  }
  return cl;
}

/**
 * Find the next message in buf from offset. `maxSize` bounds head + body of one message: a
 * larger one is an unrecoverable error, as is a missing, negative, non-numeric or conflicting
 * Content-Length (the transport must close the connection).
 */
export function frameStream(buf: Buffer, offset: number, maxSize: number): Frame {
  const len = buf.length;
  let start = offset;
  if (start < len && (buf[start] === 13 || buf[start] === 10)) {
    if (len - start >= 4 && buf[start] === 13 && buf[start + 1] === 10 && buf[start + 2] === 13 && buf[start + 3] === 10) {
      return { kind: 'keepalive', end: start + 4 };
    }
    while (start < len && (buf[start] === 13 || buf[start] === 10)) start++;
    if (start === len) {
      return start - offset > maxSize ? error('E_TOO_LARGE', 'too many CR/LF before a start line', 513) : INCOMPLETE;
    }
  }
  if (start >= len) return INCOMPLETE;
  const headCap = Math.min(maxSize, MAX_HEAD);
  const end0 = findHeadEndIn(buf, start, Math.min(len, start + headCap));
  if (end0 < 0) {
    return len - start >= headCap ? error('E_TOO_LARGE', 'message head larger than the maximum size', 513) : INCOMPLETE;
  }
  const headLen = end0 - start;
  const s = buf.toString('latin1', start, end0);
  let cl: number;
  try {
    cl = headContentLength(s, buf, start, headLen);
  } catch (e) {
    if (e instanceof SipParseError) return { kind: 'error', error: e };
    throw e;
  }
  // RFC 3261 §18.3: on a stream the Content-Length is what frames the message.
  if (cl < 0) return error('E_CONTENT_LENGTH', 'no Content-Length on a stream transport');
  if (headLen + cl > maxSize) return error('E_TOO_LARGE', 'message larger than the maximum size', 513);
  const end = start + headLen + cl;
  if (end > len) return INCOMPLETE;
  return { kind: 'message', start, end };
}
