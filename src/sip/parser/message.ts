// A received SIP message (RFC 3261 §7): start line, header fields, body.
//
// Parsing is lazy, for speed: parseMessage reads the start line and indexes the header fields
// (name + offsets), nothing more. Typed values (Via, CSeq, From, ...) are parsed the first time
// they are asked for and cached. The head is kept as a latin1 string, so every offset into it is
// also an offset into the bytes, and text copied out of it round-trips byte for byte. Scanners
// read single bytes from the Buffer (cheaper in V8 than charCodeAt) and search and slice the
// string (native indexOf).

import { CHARS, C_TOKEN, isLwsChar } from './chars.js';
import { parseCSeq, type CSeq } from './cseq.js';
import { SipParseError } from './errors.js';
import { canonicalName } from './header-names.js';
import { MAX_HEAD, MAX_HEADERS } from './limits.js';
import { parseNameAddrField, type Contact, type NameAddr, type NameAddrOptions } from './name-addr.js';
import { parseContentLength, parseMaxForwards } from './scalars.js';
import { parseStartLine } from './start-line.js';
import { parseUriBytes, type SipUri } from './uri.js';
import { parseViaField, type Via } from './via.js';

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
  for (;;) {
    if (pos >= len) {
      // RFC 3261 §7: the empty line is mandatory. A datagram that ends right after a complete
      // header line has told us all there is, so accept it as a message without a body.
      if (complete && datagram && out.length > 0) return len;
      if (complete) throw new SipParseError('E_HEAD', 'message ends before the empty line');
      return NEED_MORE;
    }
    let c = b[pos];
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
    // field-name = token; its canonical name is hashed on the way (see header-names.ts).
    let h = 0;
    let i = pos;
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
    let vs = i + 1;
    for (;;) {
      c = b[vs];
      if (c === 32 || c === 9) vs++;
      else if (c === 13 && b[vs + 1] === 10 && ((c = b[vs + 2]) === 32 || c === 9)) vs += 3;
      else if (c === 10 && ((c = b[vs + 1]) === 32 || c === 9)) vs += 2;
      else break;
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
    while (ve > vs && isLwsChar(b[ve - 1])) ve--;
    if (out.length >= MAX_HEADERS) throw new SipParseError('E_HEADER', `more than ${MAX_HEADERS} header fields`);
    out.push({ name: canonicalName(b, s, pos, nameEnd, h), start: pos, valueStart: vs, valueEnd: ve, end: nl + 1, folded });
    pos = nl + 1;
  }
}

export class SipMessage {
  /** this message only: head + body as framed (trailing datagram bytes are NOT included) */
  readonly buf: Buffer;
  /** buf[0, bodyStart) decoded as latin1, so offsets into head == offsets into buf */
  readonly head: string;
  readonly isRequest: boolean;
  /** requests: as written ('' for responses) */
  readonly method: string;
  private _ruri: string | undefined = undefined;
  readonly ruriStart: number;
  readonly ruriEnd: number;
  /** as written; 'SIP/2.0' normally */
  readonly version: string;
  /** responses (0 for requests) */
  readonly status: number;
  /** responses (latin1 text; may be empty) */
  readonly reason: string;
  /**
   * false when the request line had SP beyond the single ones the grammar asks for
   * (RFC 4475 §3.1.2.9 lwsstart, §3.1.2.10 trws); the parser read it anyway, the validator rejects it.
   */
  readonly startLineStrict: boolean;
  readonly headers: readonly HeaderField[];
  /** offset after the empty line */
  readonly bodyStart: number;

  private _body: Buffer | undefined = undefined;
  private _contentLength: number | undefined;
  private _vias: Via[] | undefined = undefined;
  private _firstVias: Via[] | undefined = undefined;
  private _cseq: CSeq | undefined = undefined;
  private _callId: string | undefined = undefined;
  private _from: NameAddr | undefined = undefined;
  private _to: NameAddr | undefined = undefined;
  private _maxForwards: number | undefined | null = null;
  private _contacts: Contact[] | '*' | undefined = undefined;
  private _routes: NameAddr[] | undefined = undefined;
  private _recordRoutes: NameAddr[] | undefined = undefined;
  private _uri: SipUri | undefined = undefined;

  /** Use parseMessage. */
  constructor(buf: Buffer, framing: 'datagram' | 'stream') {
    const len = buf.length;
    let complete = len <= FIRST_WINDOW;
    let s = buf.toString('latin1', 0, complete ? len : FIRST_WINDOW);
    const headers: HeaderField[] = [];
    let bodyStart = NEED_MORE;
    let lineStart = 0;
    let lineEnd = 0;
    for (;;) {
      // RFC 3261 §7.5: CRLFs before the start line are ignored.
      lineStart = 0;
      while (lineStart < s.length && (s.charCodeAt(lineStart) === 13 || s.charCodeAt(lineStart) === 10)) lineStart++;
      const nl = s.indexOf('\n', lineStart);
      if (nl >= 0) {
        lineEnd = nl > lineStart && s.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
        if (headers.length > 0) headers.length = 0; // a second, longer window
        bodyStart = scanHeaders(s, buf, nl + 1, complete, framing === 'datagram', headers);
      } else if (complete) {
        throw new SipParseError('E_FIRST_LINE', lineStart >= len ? 'empty message' : 'message ends inside the start line');
      }
      if (bodyStart !== NEED_MORE || complete) break;
      if (s.length >= MAX_HEAD) throw new SipParseError('E_TOO_LARGE', 'message head too large', 513);
      complete = len <= MAX_HEAD;
      s = buf.toString('latin1', 0, complete ? len : MAX_HEAD);
    }
    // A CR that does not end the start line could split it differently for the next hop.
    const cr = s.indexOf('\r', lineStart);
    if (cr >= 0 && cr < lineEnd) throw new SipParseError('E_FIRST_LINE', 'bare CR in the start line');
    const sl = parseStartLine(s, buf, lineStart, lineEnd);
    const head = bodyStart === s.length ? s : s.slice(0, bodyStart);
    this.head = head;
    this.isRequest = sl.isRequest;
    this.method = sl.method;
    this.ruriStart = sl.ruriStart;
    this.ruriEnd = sl.ruriEnd;
    this.version = sl.version;
    this.status = sl.status;
    this.reason = sl.reason;
    this.startLineStrict = sl.strict;
    this.headers = headers;
    this.bodyStart = bodyStart;
    this.buf = buf;

    // Content-Length is needed now, to frame the body (RFC 3261 §18.3, §20.14).
    let cl: number | undefined;
    let clError: SipParseError | undefined;
    for (let i = 0; i < headers.length; i++) {
      const h = headers[i];
      if (h.name !== 'content-length') continue;
      try {
        const v = parseContentLength(buf, h.valueStart, h.valueEnd);
        // RFC 4475 §3.3.9 (mcl01): conflicting values make the framing unknowable.
        if (cl !== undefined && v !== cl) throw new SipParseError('E_CONTENT_LENGTH', 'conflicting Content-Length values');
        cl = v;
      } catch (e) {
        clError = e as SipParseError;
        break;
      }
    }
    this._contentLength = cl;
    const avail = len - bodyStart;
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
        this.buf = buf.subarray(0, bodyStart + cl);
      }
    }
    if (clError !== undefined) {
      throw new SipParseError(clError.code, clError.message, clError.status, this);
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
    const hs = this.headers;
    for (let i = 0; i < hs.length; i++) if (hs[i].name === name) return hs[i];
    return undefined;
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
    const hs = this.headers;
    let out: Via[] | undefined;
    for (let i = 0; i < hs.length; i++) {
      const h = hs[i];
      if (h.name !== 'via') continue;
      if (out === undefined) {
        // the first field may already be parsed for via1
        out = this._firstVias !== undefined ? this._firstVias.slice() : [];
        if (this._firstVias === undefined) parseViaField(this.head, this.buf, h, out);
      } else {
        parseViaField(this.head, this.buf, h, out);
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
      const h = this.header('via');
      if (h === undefined) throw new SipParseError('E_VIA', 'no Via header field');
      const out: Via[] = [];
      parseViaField(this.head, this.buf, h, out);
      this._firstVias = out;
    }
    return this._firstVias[0];
  }

  get cseq(): CSeq {
    if (this._cseq !== undefined) return this._cseq;
    const h = this.header('cseq');
    if (h === undefined) throw new SipParseError('E_CSEQ', 'no CSeq header field');
    return (this._cseq = parseCSeq(this.head, this.buf, h.valueStart, h.valueEnd));
  }

  /** RFC 3261 §20.8: callid = word [ "@" word ]; we only insist on a non-empty value without LWS. */
  get callId(): string {
    if (this._callId !== undefined) return this._callId;
    const h = this.header('call-id');
    if (h === undefined) throw new SipParseError('E_CALL_ID', 'no Call-ID header field');
    if (h.valueStart >= h.valueEnd) throw new SipParseError('E_CALL_ID', 'empty Call-ID');
    const b = this.buf;
    for (let i = h.valueStart; i < h.valueEnd; i++) {
      const c = b[i];
      if (c <= 32 || c === 127) throw new SipParseError('E_CALL_ID', 'whitespace or control character in Call-ID');
    }
    return (this._callId = this.head.slice(h.valueStart, h.valueEnd));
  }

  get from(): NameAddr {
    return (this._from ??= this.single('from', FROM_OPTS));
  }

  get to(): NameAddr {
    return (this._to ??= this.single('to', TO_OPTS));
  }

  private single(name: string, o: NameAddrOptions): NameAddr {
    const h = this.header(name);
    if (h === undefined) throw new SipParseError(o.code, `no ${name} header field`);
    const out: Contact[] = [];
    parseNameAddrField(this.head, this.buf, h, out, o);
    return out[0];
  }

  /** undefined if absent; throws if not 1*DIGIT (E_MAX_FORWARDS) or > 255 (E_MAX_FORWARDS_RANGE). */
  get maxForwards(): number | undefined {
    if (this._maxForwards !== null) return this._maxForwards;
    const h = this.header('max-forwards');
    return (this._maxForwards = h === undefined ? undefined : parseMaxForwards(this.buf, h.valueStart, h.valueEnd));
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
    return (this._routes ??= this.list('route', ROUTE_OPTS));
  }

  get recordRoutes(): readonly NameAddr[] {
    return (this._recordRoutes ??= this.list('record-route', RR_OPTS));
  }

  private list(name: string, o: NameAddrOptions): NameAddr[] {
    const hs = this.headers;
    const out: Contact[] = [];
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

