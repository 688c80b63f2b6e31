// A received SIP message (RFC 3261 §7): start line, header fields, body.
//
// Parsing is lazy, for speed: parseMessage reads the start line and indexes the header fields
// (name + offsets), nothing more. Typed values (Via, CSeq, From, ...) are parsed the first time
// they are asked for and cached. The head is kept as a latin1 string, so every offset into it is
// also an offset into the bytes, and text copied out of it round-trips byte for byte. Scanners
// read single bytes from the Buffer (cheaper in V8 than charCodeAt) and search and slice the
// string (native indexOf).
//
// Written for the first few thousand messages as much as for the steady state: until V8 has
// optimised them, JS functions run slowly in its interpreter and baseline tiers, and optimising
// them costs CPU too. So the per-message JS is kept small: the usual spellings of the start line
// and of the Via, From, To, CSeq, Call-ID values are recognised by regular expressions
// (patterns.ts: native code from the first message), header names by whole-string comparison,
// and the scanner notes where the fields the server always reads are, so getters need no search.
// Anything spelled otherwise goes through the byte scanners, which stay the reference grammar.

import { CHARS, C_TOKEN } from './chars.js';
import { parseCSeq, parseCSeqFast, type CSeq } from './cseq.js';
import { SipParseError } from './errors.js';
import {
  canonicalName,
  HDR_CALL_ID,
  HDR_CONTACT,
  HDR_CONTENT_LENGTH,
  HDR_CSEQ,
  HDR_FROM,
  HDR_MAX_FORWARDS,
  HDR_PROXY_REQUIRE,
  HDR_TO,
  HDR_RECORD_ROUTE,
  HDR_ROUTE,
  HDR_VIA,
  INDEXED_SLOTS,
  MAX_SPELLED,
  SPELLINGS,
  slotOf,
} from './header-names.js';
import { MAX_HEAD, MAX_HEADERS } from './limits.js';
import { parseNameAddrFast, parseNameAddrField, type Contact, type NameAddr, type NameAddrOptions } from './name-addr.js';
import { matchesExactly } from './patterns.js';
import { parseContentLength, parseDigits, parseMaxForwards } from './scalars.js';
import { parseStartLine, type StartLine } from './start-line.js';
import { parseUriBytes, type SipUri } from './uri.js';
import { parseViaField, parseViaFieldFast, type Via } from './via.js';

export { frameStream, type Frame } from './frame.js';
export type { CSeq } from './cseq.js';
export type { Contact, NameAddr } from './name-addr.js';
export type { Param } from './params.js';
export type { SipUri } from './uri.js';
export type { Via } from './via.js';

export interface HeaderField {
  /** canonical lower-case long name: 'via', 'call-id', 'x-foo' (compact forms mapped) */
  readonly name: string;
  /** offset of the first byte of the header line */
  readonly start: number;
  /** first byte of the value (after ':' and LWS) */
  readonly valueStart: number;
  /** one past the last non-whitespace byte of the value (continuation lines included) */
  readonly valueEnd: number;
  /** one past the line terminator, after any folded continuation lines */
  readonly end: number;
  /** the value spans continuation lines (RFC 3261 §7.3.1 folding); undefined: unknown */
  readonly folded?: boolean;
}

/** scanHeaders' answer when the decoded window ended before the head did. */
const NEED_MORE = -1;
/** Bytes decoded on the first attempt: the whole of nearly every datagram. */
const FIRST_WINDOW = 4096;

const FROM_OPTS: NameAddrOptions = { code: 'E_FROM', multi: false, bracketsOnly: false, contact: false };
const TO_OPTS: NameAddrOptions = { code: 'E_TO', multi: false, bracketsOnly: false, contact: false };
const CONTACT_OPTS: NameAddrOptions = { code: 'E_CONTACT', multi: true, bracketsOnly: false, contact: true };
const ROUTE_OPTS: NameAddrOptions = { code: 'E_ROUTE', multi: true, bracketsOnly: true, contact: false };
const RR_OPTS: NameAddrOptions = { code: 'E_RECORD_ROUTE', multi: true, bracketsOnly: true, contact: false };

/** The usual Request-Line (start-line.ts): token SP URI-without-SP SP "SIP/2.0" CRLF. Captures method, URI. */
const REQUEST_LINE = /([A-Za-z0-9\-.!%*_+`'~]+) ([^ \r\n]+) SIP\/2\.0\r?\n/y;

/** Buffer's own latin1 decoder (what toString('latin1') calls after checking its arguments). */
interface Latin1Slicer {
  latin1Slice(start: number, end: number): string;
}
const HAS_LATIN1_SLICE = typeof (Buffer.prototype as unknown as Partial<Latin1Slicer>).latin1Slice === 'function';

/** buf[0, end) decoded as latin1 (one char per byte). */
function latin1(buf: Buffer, end: number): string {
  return HAS_LATIN1_SLICE ? (buf as unknown as Latin1Slicer).latin1Slice(0, end) : buf.toString('latin1', 0, end);
}

/**
 * A message longer than FIRST_WINDOW: decode a first window, and the whole head (up to MAX_HEAD)
 * if the head goes on beyond it. Fills `headers` (and scanHeaders' scratch state).
 */
function scanLargeHead(buf: Buffer, datagram: boolean, headers: HeaderField[]): { s: string; lineStart: number; nl: number; bodyStart: number } {
  const len = buf.length;
  let complete = false;
  let s = latin1(buf, FIRST_WINDOW);
  let bodyStart = NEED_MORE;
  let lineStart = 0;
  let nl = -1;
  for (;;) {
    // RFC 3261 §7.5: CRLFs before the start line are ignored.
    lineStart = 0;
    while (lineStart < s.length && (s.charCodeAt(lineStart) === 13 || s.charCodeAt(lineStart) === 10)) lineStart++;
    nl = s.indexOf('\n', lineStart);
    if (nl >= 0) {
      if (headers.length > 0) headers.length = 0; // a second, longer window
      bodyStart = scanHeaders(s, buf, nl + 1, complete, datagram, headers);
    } else if (complete) {
      throw new SipParseError('E_FIRST_LINE', lineStart >= len ? 'empty message' : 'message ends inside the start line');
    }
    if (bodyStart !== NEED_MORE || complete) break;
    if (s.length >= MAX_HEAD) throw new SipParseError('E_TOO_LARGE', 'message head too large', 513);
    complete = len <= MAX_HEAD;
    s = latin1(buf, complete ? len : MAX_HEAD);
  }
  return { s, lineStart, nl, bodyStart };
}

/** The start line s[lineStart, nl) (nl: its LF), read by parseStartLine. */
function startLine(s: string, buf: Buffer, lineStart: number, nl: number): StartLine {
  const lineEnd = nl > lineStart && s.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
  // A CR that does not end the start line could split it differently for the next hop.
  const cr = s.indexOf('\r', lineStart);
  if (cr >= 0 && cr < lineEnd) throw new SipParseError('E_FIRST_LINE', 'bare CR in the start line');
  return parseStartLine(s, buf, lineStart, lineEnd);
}

/** The value of several Content-Length fields, which must agree; or the error. */
function contentLengths(buf: Buffer, headers: readonly HeaderField[]): number | SipParseError {
  let cl: number | undefined;
  for (let i = 0; i < headers.length; i++) {
    const h = headers[i];
    if (h.name !== 'content-length') continue;
    try {
      const v = parseContentLength(buf, h.valueStart, h.valueEnd);
      // RFC 4475 §3.3.9 (mcl01): conflicting values make the framing unknowable.
      if (cl !== undefined && v !== cl) throw new SipParseError('E_CONTENT_LENGTH', 'conflicting Content-Length values');
      cl = v;
    } catch (e) {
      return e as SipParseError;
    }
  }
  return cl!;
}

/** The error parseContentLength throws for h (whose value it refuses). */
function contentLengthError(buf: Buffer, h: HeaderField): SipParseError {
  try {
    parseContentLength(buf, h.valueStart, h.valueEnd);
  } catch (e) {
    return e as SipParseError;
  }
  return new SipParseError('E_CONTENT_LENGTH', 'Content-Length is not 1*DIGIT');
}

/** A Call-ID without whitespace or control characters (the callId getter's check, as a pattern). */
const CALL_ID_FAST = /[!-~\x80-\xff]+/y;

/** Every Via value of one field appended to out: the pattern first (patterns.ts), the scanner if need be. */
function viaField(s: string, b: Uint8Array, h: HeaderField, out: Via[]): void {
  if (!parseViaFieldFast(s, h, out)) parseViaField(s, b, h, out);
}

// What scanHeaders learnt on the way besides the index (read by the constructor right after):
// for each slot of header-names.ts, the position in `out` of its first field (valid when the
// slot's bit is in slotsSeen), and the bits of the slots seen and seen more than once.
const firstOfSlot = new Int32Array(INDEXED_SLOTS);
let slotsSeen = 0;
let slotsRepeated = 0;

/**
 * Index the header fields of s from pos (RFC 3261 §7.3). Returns the offset after the empty line,
 * NEED_MORE if s ended first and is not the whole message, or s.length when it is the whole
 * datagram and ended right after a complete header line with no empty line (liberal reading;
 * a stream message always has its empty line, frameStream found it).
 */
function scanHeaders(s: string, b: Uint8Array, pos: number, complete: boolean, datagram: boolean, out: HeaderField[]): number {
  // Per-byte reads go to the bytes (typed-array loads are cheaper than charCodeAt); searches and
  // slices go to the latin1 string. Both have the same offsets.
  const len = s.length;
  let nextCr = s.indexOf('\r', pos);
  slotsSeen = 0;
  slotsRepeated = 0;
  headersDropped = false;
  for (;;) {
    if (pos >= len) {
      // RFC 3261 §7: the empty line is mandatory. A datagram that ends right after a complete
      // header line has told us all there is, so accept it as a message without a body.
      if (complete && datagram && out.length > 0) return len;
      if (complete) throw new SipParseError('E_HEAD', 'message ends before the empty line');
      return NEED_MORE;
    }
    let c = b[pos];
    if (c <= 32) {
      if (c === 10) return pos + 1;
      if (c === 13) {
        // b may extend past the decoded window s; only trust bytes inside it
        if (pos + 1 >= len) {
          if (complete) throw new SipParseError('E_HEADER', 'bare CR in message head');
          return NEED_MORE;
        }
        if (b[pos + 1] === 10) return pos + 2;
        throw new SipParseError('E_HEADER', 'bare CR in message head');
      }
      if (c === 32 || c === 9) throw new SipParseError('E_HEADER', 'continuation line without a header field');
    }
    // field-name = token. The usual spellings of known names (header-names.ts), right before the
    // colon, are recognised whole; anything else is read byte by byte by scanName.
    let i = s.indexOf(':', pos);
    let name: string | undefined;
    let slot = -1;
    const nameLen = i - pos;
    if (nameLen > 0 && nameLen <= MAX_SPELLED) {
      const list = SPELLINGS[nameLen * 32 + (c & 31)];
      if (list !== undefined) {
        for (let k = 0; k < list.length; k++) {
          const e = list[k];
          if (s.startsWith(e.text, pos)) {
            name = e.canonical;
            slot = e.slot;
            break;
          }
        }
      }
    }
    if (name === undefined) {
      i = scanName(s, b, pos, complete);
      if (i === NEED_MORE) return NEED_MORE;
      name = scannedName;
      slot = slotOf(name);
    }
    // SWS after the colon: mostly one SP
    let vs = i + 1;
    c = b[vs];
    if (c === 32) c = b[++vs];
    if (c === 32 || c === 9 || c === 13 || c === 10) {
      for (;;) {
        c = b[vs];
        if (c === 32 || c === 9) vs++;
        else if (c === 13 && b[vs + 1] === 10 && ((c = b[vs + 2]) === 32 || c === 9)) vs += 3;
        else if (c === 10 && ((c = b[vs + 1]) === 32 || c === 9)) vs += 2;
        else break;
      }
    }
    let nl = s.indexOf('\n', vs);
    let folded = false;
    for (;;) {
      if (nl < 0 || (nl + 1 >= len && !complete)) {
        // Whether the field continues on the next line is not known yet.
        if (complete) throw new SipParseError('E_HEADER', 'message ends inside a header field');
        return NEED_MORE;
      }
      c = b[nl + 1];
      if (c !== 32 && c !== 9) break;
      folded = true;
      nl = s.indexOf('\n', nl + 1);
    }
    // Every CR in the head must end a line: a bare CR could split a line differently for the
    // next hop (RFC 3261 §7.3.1 allows CR only in CRLF).
    while (nextCr >= 0 && nextCr < nl) {
      if (b[nextCr + 1] !== 10) throw new SipParseError('E_HEADER', 'bare CR in message head');
      nextCr = s.indexOf('\r', nextCr + 2);
    }
    let ve = nl;
    while (ve > vs && ((c = b[ve - 1]) === 32 || c === 9 || c === 13 || c === 10)) ve--;
    if (out.length >= MAX_HEADERS) {
      // keep the first ones, so that the message can still be answered (513, see the constructor)
      headersDropped = true;
      pos = nl + 1;
      continue;
    }
    if (slot >= 0) {
      const bit = 1 << slot;
      if ((slotsSeen & bit) === 0) {
        slotsSeen |= bit;
        firstOfSlot[slot] = out.length;
      } else {
        slotsRepeated |= bit;
      }
    }
    out.push({ name, start: pos, valueStart: vs, valueEnd: ve, end: nl + 1, folded });
    pos = nl + 1;
  }
}

/** scanHeaders met more than MAX_HEADERS header fields and indexed only the first ones. */
let headersDropped = false;

/** scanName's answer besides the colon offset. */
let scannedName = '';

/**
 * The header field name at pos read byte by byte (field-name = token, then *(SP / HTAB) ":"):
 * the offset of the colon, NEED_MORE if s ends first and is not all; the canonical name goes to
 * scannedName (hashed on the way, see header-names.ts).
 */
function scanName(s: string, b: Uint8Array, pos: number, complete: boolean): number {
  const len = s.length;
  let h = 0;
  let i = pos;
  let c = 0;
  while (i < len) {
    c = b[i];
    if ((CHARS[c] & C_TOKEN) === 0) break;
    h = (Math.imul(h, 31) + (c | 0x20)) | 0;
    i++;
  }
  const nameEnd = i;
  if (nameEnd === pos) throw new SipParseError('E_HEADER', 'malformed header field name');
  // HCOLON = *( SP / HTAB ) ":" SWS
  while (i < len && ((c = b[i]) === 32 || c === 9)) i++;
  if (i >= len) {
    if (complete) throw new SipParseError('E_HEADER', 'header field without a colon');
    return NEED_MORE;
  }
  if (c !== 58) throw new SipParseError('E_HEADER', 'header field without a colon');
  scannedName = canonicalName(b, s, pos, nameEnd, h);
  return i;
}

export class SipMessage {
  // Every field is set by the constructor, in one order (`declare`: no class-field definitions
  // to run first), so all messages share one shape.
  /** this message only: head + body as framed (trailing datagram bytes are NOT included) */
  declare readonly buf: Buffer;
  /** buf[0, bodyStart) decoded as latin1, so offsets into head == offsets into buf */
  declare readonly head: string;
  declare readonly isRequest: boolean;
  /** requests: as written ('' for responses) */
  declare readonly method: string;
  declare private _ruri: string | undefined;
  declare readonly ruriStart: number;
  declare readonly ruriEnd: number;
  /** as written; 'SIP/2.0' normally */
  declare readonly version: string;
  /** responses (0 for requests) */
  declare readonly status: number;
  /** responses (latin1 text; may be empty) */
  declare readonly reason: string;
  /**
   * false when the request line had SP beyond the single ones the grammar asks for
   * (RFC 4475 §3.1.2.9 lwsstart, §3.1.2.10 trws); the parser read it anyway, the validator rejects it.
   */
  declare readonly startLineStrict: boolean;
  declare readonly headers: readonly HeaderField[];
  /** offset after the empty line */
  declare readonly bodyStart: number;
  /**
   * Which of the header fields header-names.ts gives a bit (HDR_VIA, HDR_TO, ...) are present,
   * and which of them more than once: what validate.ts checks first.
   */
  declare readonly headerBits: number;
  declare readonly repeatedHeaderBits: number;
  // position in `headers` of the first field of these names, -1 if none
  declare private readonly _iTo: number;
  declare private readonly _iFrom: number;
  declare private readonly _iCallId: number;
  declare private readonly _iCSeq: number;
  declare private readonly _iVia: number;
  declare private readonly _iMaxForwards: number;
  declare private readonly _iContentLength: number;
  declare private readonly _iProxyRequire: number;
  declare private readonly _contentLength: number | undefined;
  // typed values, parsed when first asked for
  declare private _body: Buffer | undefined;
  declare private _vias: Via[] | undefined;
  declare private _firstVias: Via[] | undefined;
  declare private _cseq: CSeq | undefined;
  declare private _callId: string | undefined;
  declare private _from: NameAddr | undefined;
  declare private _to: NameAddr | undefined;
  /** null: not read yet */
  declare private _maxForwards: number | undefined | null;
  declare private _contacts: Contact[] | '*' | undefined;
  declare private _routes: NameAddr[] | undefined;
  declare private _recordRoutes: NameAddr[] | undefined;
  declare private _uri: SipUri | undefined;

  /** Use parseMessage. */
  constructor(buf: Buffer, framing: 'datagram' | 'stream') {
    const len = buf.length;
    const headers: HeaderField[] = [];
    let s: string;
    let lineStart = 0;
    let nl: number;
    let bodyStart: number;
    if (len <= FIRST_WINDOW) {
      // nearly every datagram: decoded at once, whole
      s = latin1(buf, len);
      // RFC 3261 §7.5: CRLFs before the start line are ignored.
      let c: number;
      while (lineStart < len && ((c = buf[lineStart]) === 13 || c === 10)) lineStart++;
      nl = s.indexOf('\n', lineStart);
      if (nl < 0) throw new SipParseError('E_FIRST_LINE', lineStart >= len ? 'empty message' : 'message ends inside the start line');
      bodyStart = scanHeaders(s, buf, nl + 1, true, framing === 'datagram', headers);
    } else {
      const w = scanLargeHead(buf, framing === 'datagram', headers);
      s = w.s;
      lineStart = w.lineStart;
      nl = w.nl;
      bodyStart = w.bodyStart;
    }
    const bits = slotsSeen;
    const repeated = slotsRepeated;
    const dropped = headersDropped;
    const iContentLength = (bits & HDR_CONTENT_LENGTH) !== 0 ? firstOfSlot[6] : -1;

    let isRequest: boolean;
    let method: string;
    let ruri: string | undefined;
    let ruriStart: number;
    let ruriEnd: number;
    let version: string;
    let status: number;
    let reason: string;
    let strict: boolean;
    REQUEST_LINE.lastIndex = lineStart;
    const rl = REQUEST_LINE.exec(s);
    if (rl !== null && REQUEST_LINE.lastIndex === nl + 1) {
      // the usual Request-Line: what parseStartLine would make of it
      isRequest = true;
      method = rl[1];
      ruri = rl[2];
      ruriStart = lineStart + method.length + 1;
      ruriEnd = ruriStart + ruri.length;
      version = 'SIP/2.0';
      status = 0;
      reason = '';
      strict = true;
    } else {
      const sl = startLine(s, buf, lineStart, nl);
      isRequest = sl.isRequest;
      method = sl.method;
      ruri = undefined;
      ruriStart = sl.ruriStart;
      ruriEnd = sl.ruriEnd;
      version = sl.version;
      status = sl.status;
      reason = sl.reason;
      strict = sl.strict;
    }

    // Content-Length is needed now, to frame the body (RFC 3261 §18.3, §20.14).
    let cl: number | undefined;
    let clError: SipParseError | undefined;
    if ((bits & HDR_CONTENT_LENGTH) !== 0) {
      if ((repeated & HDR_CONTENT_LENGTH) === 0) {
        const h = headers[iContentLength];
        cl = parseDigits(buf, h.valueStart, h.valueEnd, 10);
        if (cl < 0 || cl > 4294967295) {
          cl = undefined;
          clError = contentLengthError(buf, h);
        }
      } else {
        const v = contentLengths(buf, headers);
        if (typeof v === 'number') cl = v;
        else clError = v;
      }
    }
    const avail = len - bodyStart;
    let framed = buf;
    if (clError === undefined) {
      if (cl === undefined) {
        // RFC 3261 §18.3: Content-Length is mandatory on streams; on datagrams its absence means
        // the body is the rest of the datagram (RFC 4475 §3.4.1 inv2543).
        if (framing === 'stream') clError = new SipParseError('E_CONTENT_LENGTH', 'no Content-Length on a stream transport');
      } else if (cl > avail) {
        // RFC 4475 §3.1.2.2 (clerr): over UDP, a body shorter than Content-Length is an error.
        clError = new SipParseError('E_CONTENT_LENGTH', `Content-Length ${cl} exceeds the ${avail} bytes available`);
      } else if (cl < avail) {
        // RFC 3261 §18.3, RFC 4475 §3.1.1.8 (dblreq): octets after the body are ignored.
        framed = buf.subarray(0, bodyStart + cl);
      }
    }

    this.buf = framed;
    this.head = bodyStart === s.length ? s : s.slice(0, bodyStart);
    this.isRequest = isRequest;
    this.method = method;
    this._ruri = ruri;
    this.ruriStart = ruriStart;
    this.ruriEnd = ruriEnd;
    this.version = version;
    this.status = status;
    this.reason = reason;
    this.startLineStrict = strict;
    this.headers = headers;
    this.bodyStart = bodyStart;
    this.headerBits = bits;
    this.repeatedHeaderBits = repeated;
    this._iTo = (bits & HDR_TO) !== 0 ? firstOfSlot[0] : -1;
    this._iFrom = (bits & HDR_FROM) !== 0 ? firstOfSlot[1] : -1;
    this._iCallId = (bits & HDR_CALL_ID) !== 0 ? firstOfSlot[2] : -1;
    this._iCSeq = (bits & HDR_CSEQ) !== 0 ? firstOfSlot[3] : -1;
    this._iVia = (bits & HDR_VIA) !== 0 ? firstOfSlot[4] : -1;
    this._iMaxForwards = (bits & HDR_MAX_FORWARDS) !== 0 ? firstOfSlot[5] : -1;
    this._iContentLength = iContentLength;
    this._iProxyRequire = (bits & HDR_PROXY_REQUIRE) !== 0 ? firstOfSlot[11] : -1;
    this._contentLength = cl;
    this._body = undefined;
    this._vias = undefined;
    this._firstVias = undefined;
    this._cseq = undefined;
    this._callId = undefined;
    this._from = undefined;
    this._to = undefined;
    this._maxForwards = null;
    this._contacts = undefined;
    this._routes = undefined;
    this._recordRoutes = undefined;
    this._uri = undefined;
    if (clError !== undefined) {
      throw new SipParseError(clError.code, clError.message, clError.status, this);
    }
    if (dropped) {
      // RFC 3261 §21.5.14: more than we take; the first header fields still address the answer
      throw new SipParseError('E_HEADER', `more than ${MAX_HEADERS} header fields`, 513, this);
    }
  }

  /** requests: Request-URI text ('' for responses) */
  get ruri(): string {
    return (this._ruri ??= this.isRequest ? this.head.slice(this.ruriStart, this.ruriEnd) : '');
  }

  get body(): Buffer {
    return (this._body ??= this.buf.subarray(this.bodyStart));
  }

  /** First field with that canonical name (lower-case long form: 'call-id', not 'Call-ID' or 'i'). */
  header(name: string): HeaderField | undefined {
    // the fields the parser indexed while scanning, without a search
    let i: number;
    switch (name) {
      case 'via':
        i = this._iVia;
        break;
      case 'from':
        i = this._iFrom;
        break;
      case 'to':
        i = this._iTo;
        break;
      case 'call-id':
        i = this._iCallId;
        break;
      case 'cseq':
        i = this._iCSeq;
        break;
      case 'max-forwards':
        i = this._iMaxForwards;
        break;
      case 'content-length':
        i = this._iContentLength;
        break;
      case 'proxy-require':
        i = this._iProxyRequire;
        break;
      default:
        return this.findHeader(name);
    }
    return i < 0 ? undefined : this.headers[i];
  }

  private findHeader(name: string): HeaderField | undefined {
    const hs = this.headers;
    for (let i = 0; i < hs.length; i++) if (hs[i].name === name) return hs[i];
    return undefined;
  }

  private field(i: number): HeaderField | undefined {
    return i < 0 ? undefined : this.headers[i];
  }

  /** Every field with that canonical name, in order. */
  headersNamed(name: string): HeaderField[] {
    const out: HeaderField[] = [];
    const hs = this.headers;
    for (let i = 0; i < hs.length; i++) if (hs[i].name === name) out.push(hs[i]);
    return out;
  }

  /** The value text; CR/LF of line folding replaced by SP, so offsets still map 1:1. */
  value(h: HeaderField): string {
    const v = this.head.slice(h.valueStart, h.valueEnd);
    if (h.folded === false) return v;
    let out = '';
    let from = 0;
    for (let i = 0; i < v.length; i++) {
      const c = v.charCodeAt(i);
      if (c === 13 || c === 10) {
        out += v.slice(from, i) + ' ';
        from = i + 1;
      }
    }
    return from === 0 ? v : out + v.slice(from);
  }

  /** Every Via value in order, across all Via header fields (RFC 3261 §20.42, §7.3.1). */
  get vias(): readonly Via[] {
    if (this._vias !== undefined) return this._vias;
    if (this._iVia < 0) return (this._vias = []);
    if ((this.repeatedHeaderBits & HDR_VIA) === 0) {
      // one Via field: maybe parsed already for via1
      if (this._firstVias !== undefined) return (this._vias = this._firstVias.slice());
      const out: Via[] = [];
      viaField(this.head, this.buf, this.headers[this._iVia], out);
      return (this._vias = out);
    }
    const hs = this.headers;
    let out: Via[] | undefined;
    for (let i = this._iVia; i < hs.length; i++) {
      const h = hs[i];
      if (h.name !== 'via') continue;
      if (out === undefined) {
        // the first field may already be parsed for via1
        out = this._firstVias !== undefined ? this._firstVias.slice() : [];
        if (this._firstVias === undefined) viaField(this.head, this.buf, h, out);
      } else {
        viaField(this.head, this.buf, h, out);
      }
    }
    return (this._vias = out ?? []);
  }

  /** The topmost Via value (parses only the first Via field if the others were not asked for). */
  get via1(): Via {
    if (this._vias !== undefined) {
      if (this._vias.length === 0) throw new SipParseError('E_VIA', 'no Via header field');
      return this._vias[0];
    }
    if (this._firstVias === undefined) {
      const h = this.field(this._iVia);
      if (h === undefined) throw new SipParseError('E_VIA', 'no Via header field');
      const out: Via[] = [];
      viaField(this.head, this.buf, h, out);
      this._firstVias = out;
    }
    return this._firstVias[0];
  }

  get cseq(): CSeq {
    if (this._cseq !== undefined) return this._cseq;
    const h = this.field(this._iCSeq);
    if (h === undefined) throw new SipParseError('E_CSEQ', 'no CSeq header field');
    return (this._cseq = parseCSeqFast(this.head, this.buf, h.valueStart, h.valueEnd) ?? parseCSeq(this.head, this.buf, h.valueStart, h.valueEnd));
  }

  /** RFC 3261 §20.8: callid = word [ "@" word ]; we only insist on a non-empty value without LWS. */
  get callId(): string {
    if (this._callId !== undefined) return this._callId;
    const h = this.field(this._iCallId);
    if (h === undefined) throw new SipParseError('E_CALL_ID', 'no Call-ID header field');
    if (matchesExactly(CALL_ID_FAST, this.head, h.valueStart, h.valueEnd)) return (this._callId = this.head.slice(h.valueStart, h.valueEnd));
    if (h.valueStart >= h.valueEnd) throw new SipParseError('E_CALL_ID', 'empty Call-ID');
    const b = this.buf;
    for (let i = h.valueStart; i < h.valueEnd; i++) {
      const c = b[i];
      if (c <= 32 || c === 127) throw new SipParseError('E_CALL_ID', 'whitespace or control character in Call-ID');
    }
    return (this._callId = this.head.slice(h.valueStart, h.valueEnd));
  }

  get from(): NameAddr {
    return (this._from ??= this.single(this._iFrom, 'from', FROM_OPTS));
  }

  get to(): NameAddr {
    return (this._to ??= this.single(this._iTo, 'to', TO_OPTS));
  }

  private single(i: number, name: string, o: NameAddrOptions): NameAddr {
    const h = this.field(i);
    if (h === undefined) throw new SipParseError(o.code, `no ${name} header field`);
    const fast = parseNameAddrFast(this.head, this.buf, h);
    if (fast !== undefined) return fast;
    const out: Contact[] = [];
    parseNameAddrField(this.head, this.buf, h, out, o);
    return out[0];
  }

  /** undefined if absent; throws if not 1*DIGIT (E_MAX_FORWARDS) or > 255 (E_MAX_FORWARDS_RANGE). */
  get maxForwards(): number | undefined {
    if (this._maxForwards !== null) return this._maxForwards;
    const h = this.field(this._iMaxForwards);
    if (h === undefined) return (this._maxForwards = undefined);
    // the usual 1 to 3 digits, no LWS (what parseMaxForwards would return)
    const b = this.buf;
    const vs = h.valueStart;
    const n = h.valueEnd - vs;
    let v = 0;
    let k = 0;
    for (; k < n && k < 3; k++) {
      const d = b[vs + k] - 48;
      if (d < 0 || d > 9) break;
      v = v * 10 + d;
    }
    if (k === n && n > 0 && v <= 255) return (this._maxForwards = v);
    return (this._maxForwards = parseMaxForwards(b, vs, h.valueEnd));
  }

  /** undefined if absent */
  get contentLength(): number | undefined {
    return this._contentLength;
  }

  /** RFC 3261 §20.10: Contact = STAR / contact-param *(COMMA contact-param). [] if none. */
  get contacts(): readonly Contact[] | '*' {
    if (this._contacts !== undefined) return this._contacts;
    const hs = this.headers;
    const out: Contact[] = [];
    if ((this.headerBits & HDR_CONTACT) === 0) return (this._contacts = out);
    let star = false;
    const s = this.head;
    for (let i = 0; i < hs.length; i++) {
      const h = hs[i];
      if (h.name !== 'contact') continue;
      if (h.valueEnd - h.valueStart === 1 && s.charCodeAt(h.valueStart) === 42) {
        if (star || out.length > 0) throw new SipParseError('E_CONTACT', "'*' Contact mixed with other values");
        star = true;
        continue;
      }
      if (star) throw new SipParseError('E_CONTACT', "'*' Contact mixed with other values");
      parseNameAddrField(s, this.buf, h, out, CONTACT_OPTS);
    }
    return (this._contacts = star ? '*' : out);
  }

  /** All Route values in order. */
  get routes(): readonly NameAddr[] {
    return (this._routes ??= this.list(HDR_ROUTE, 'route', ROUTE_OPTS));
  }

  get recordRoutes(): readonly NameAddr[] {
    return (this._recordRoutes ??= this.list(HDR_RECORD_ROUTE, 'record-route', RR_OPTS));
  }

  private list(bit: number, name: string, o: NameAddrOptions): NameAddr[] {
    const hs = this.headers;
    const out: Contact[] = [];
    if ((this.headerBits & bit) === 0) return out;
    for (let i = 0; i < hs.length; i++) {
      if (hs[i].name === name) parseNameAddrField(this.head, this.buf, hs[i], out, o);
    }
    return out;
  }

  /** The parsed Request-URI. */
  get uri(): SipUri {
    if (this._uri !== undefined) return this._uri;
    if (!this.isRequest) throw new SipParseError('E_URI', 'a response has no Request-URI');
    return (this._uri = parseUriBytes(this.buf, this.ruriStart, this.ruriEnd, this.ruri));
  }
}

/**
 * Parse one message. `datagram` (default): the body is Content-Length bytes when present (more
 * than available is an error, extra bytes are ignored), else the rest of the datagram. `stream`:
 * buf holds exactly one message framed by frameStream, and Content-Length is mandatory.
 */
export function parseMessage(buf: Buffer, framing: 'datagram' | 'stream' = 'datagram'): SipMessage {
  return new SipMessage(buf, framing);
}

