// The checks a proxy makes on a message it receives, before routing it (RFC 3261 §16.3 "Request
// Validation", §8.2 as far as it applies to any element, §18.1.2 / §18.2.1 for the transport
// layer). One small function per rule; each names its RFC section and the status it owes.
// Verdicts on the RFC 4475 torture messages are pinned down in test/rfc4475/.

import { SipParseError } from './parser/errors.js';
import {
  HDR_CALL_ID,
  HDR_CONTENT_LENGTH,
  HDR_CONTENT_TYPE,
  HDR_CSEQ,
  HDR_FROM,
  HDR_MAX_FORWARDS,
  HDR_TO,
  HDR_VIA,
} from './parser/header-names.js';
import type { HeaderField, SipMessage } from './parser/message.js';
import { isNameAddrFast } from './parser/name-addr.js';
import { isSipUriWithoutHeaders } from './parser/uri.js';

export interface Rejection {
  status: number;
  reason: string;
  code: string;
  /** extra header lines for the reply, e.g. 'Unsupported: foo' */
  headers?: string[];
  /** what exactly was wrong, for the log (not sent) */
  detail?: string;
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  416: 'Unsupported URI Scheme',
  420: 'Bad Extension',
  501: 'Not Implemented',
  505: 'Version Not Supported',
  513: 'Message Too Large',
};

/** The reason phrase for a status the receipt checks (or the parser) owe. */
export function reasonPhrase(status: number): string {
  return REASONS[status] ?? 'Bad Request';
}

function reject(status: number, code: string, detail: string, headers?: string[]): Rejection {
  const r: Rejection = { status, reason: reasonPhrase(status), code, detail };
  if (headers !== undefined) r.headers = headers;
  return r;
}

/** Methods of RFC 3261, 3262 (PRACK), 3265 (SUBSCRIBE/NOTIFY), 3311, 3428, 3515, 3903, 6086. */
export const KNOWN_METHODS: ReadonlySet<string> = new Set([
  'INVITE', 'ACK', 'OPTIONS', 'BYE', 'CANCEL', 'REGISTER',
  'PRACK', 'SUBSCRIBE', 'NOTIFY', 'UPDATE', 'MESSAGE', 'REFER', 'PUBLISH', 'INFO',
]);

function isSip20(version: string): boolean {
  return version === 'SIP/2.0' || version.toUpperCase() === 'SIP/2.0';
}

/** RFC 3261 §21.5.6: a request of another SIP version is answered 505 (RFC 4475 §3.1.2.16 badvers). */
export function checkVersion(msg: SipMessage): Rejection | undefined {
  if (!isSip20(msg.version)) return reject(505, 'E_VERSION', `unsupported version ${msg.version}`);
  return undefined;
}

/**
 * RFC 3261 §7.1, §25.1: Request-Line = Method SP Request-URI SP SIP-Version CRLF, single SPs.
 * RFC 4475 §3.1.2.9 (lwsstart) and §3.1.2.10 (trws) allow rejecting extra SP as malformed; we do,
 * since a liberal reading would have to rewrite the line before forwarding it.
 */
export function checkRequestLine(msg: SipMessage): Rejection | undefined {
  if (!msg.startLineStrict) return reject(400, 'E_FIRST_LINE', 'extra whitespace in the Request-Line');
  return undefined;
}

// Bits for the header fields checkHeaderCounts tracks (the parser's: SipMessage.headerBits).
const TO = HDR_TO;
const FROM = HDR_FROM;
const CALL_ID = HDR_CALL_ID;
const CSEQ = HDR_CSEQ;
const VIA = HDR_VIA;
const MAX_FORWARDS = HDR_MAX_FORWARDS;
const CONTENT_LENGTH = HDR_CONTENT_LENGTH;
const CONTENT_TYPE = HDR_CONTENT_TYPE;
const MANDATORY = TO | FROM | CALL_ID | CSEQ | VIA;
/** Header fields whose grammar is not a comma list, so that they may appear once only. */
const SINGLE = TO | FROM | CALL_ID | CSEQ | MAX_FORWARDS | CONTENT_LENGTH | CONTENT_TYPE;

function headerBit(name: string): number {
  switch (name) {
    case 'to':
      return TO;
    case 'from':
      return FROM;
    case 'call-id':
      return CALL_ID;
    case 'cseq':
      return CSEQ;
    case 'via':
      return VIA;
    case 'max-forwards':
      return MAX_FORWARDS;
    case 'content-length':
      return CONTENT_LENGTH;
    case 'content-type':
      return CONTENT_TYPE;
    default:
      return 0;
  }
}

const BIT_NAMES: ReadonlyArray<[number, string]> = [
  [TO, 'To'],
  [FROM, 'From'],
  [CALL_ID, 'Call-ID'],
  [CSEQ, 'CSeq'],
  [VIA, 'Via'],
  [MAX_FORWARDS, 'Max-Forwards'],
  [CONTENT_LENGTH, 'Content-Length'],
  [CONTENT_TYPE, 'Content-Type'],
];

function bitName(bit: number): string {
  for (const [b, n] of BIT_NAMES) if ((bit & b) !== 0) return n;
  return '?';
}

/**
 * RFC 3261 §8.1.1: To, From, CSeq, Call-ID, Via are mandatory (RFC 4475 §3.3.1 insuf). Max-Forwards
 * is not insisted on: RFC 2543 requests have none (RFC 4475 §3.4.1 inv2543).
 * RFC 3261 §7.3.1: only header fields whose grammar is a comma list may appear more than once
 * (RFC 4475 §3.3.8 multi01: 400). One pass over the header index does both.
 */
export function checkHeaderCounts(msg: SipMessage): Rejection | undefined {
  // the parser noted which fields it saw, and which more than once
  if ((msg.repeatedHeaderBits & SINGLE) === 0 && (MANDATORY & ~msg.headerBits) === 0) return undefined;
  const hs = msg.headers;
  let seen = 0;
  for (let i = 0; i < hs.length; i++) {
    const bit = headerBit(hs[i].name);
    if ((seen & bit & SINGLE) !== 0) return reject(400, 'E_MULTIPLE', `more than one ${bitName(bit)} header field`);
    seen |= bit;
  }
  const missing = MANDATORY & ~seen;
  if (missing !== 0) return reject(400, 'E_MISSING', `missing ${bitName(missing)} header field`);
  return undefined;
}

/**
 * RFC 3261 §16.3 item 1 (reasonable syntax): the header fields a proxy reads must parse: every Via
 * value (RFC 4475 badinv01), From/To (quotbal, badaspec, baddn), Call-ID, CSeq (scalar02: number
 * beyond 2**32-1), Contact (regbadct), Route. Max-Forwards must be 1*DIGIT; a value above 255 is
 * treated as absent rather than rejected (RFC 4475 §3.1.2.4). Content-Length was checked when
 * the message was framed.
 */
export function checkHeaderSyntax(msg: SipMessage): Rejection | undefined {
  try {
    void msg.vias;
    // From is only checked here (a pattern when it can tell, else the getter): whoever reads it
    // later parses it then. To is parsed: a reply needs its tag.
    const h: HeaderField | undefined = msg.header('from');
    if (h === undefined || !isNameAddrFast(msg.head, h)) void msg.from;
    void msg.to;
    void msg.callId;
    void msg.cseq;
    void msg.contacts;
    void msg.routes;
  } catch (e) {
    if (e instanceof SipParseError) return reject(e.status, e.code, e.message);
    throw e;
  }
  try {
    void msg.maxForwards;
  } catch (e) {
    if (!(e instanceof SipParseError)) throw e;
    if (e.code !== 'E_MAX_FORWARDS_RANGE') return reject(400, e.code, e.message);
  }
  return undefined;
}

/**
 * RFC 3261 §8.1.1.5: the CSeq method MUST match the request method (RFC 4475 §3.1.2.17 mismatch01:
 * 400). When the request method is one we do not know, RFC 4475 §3.1.2.18 (mismatch02) prefers
 * 501 Not Implemented.
 */
export function checkCSeqMethod(msg: SipMessage): Rejection | undefined {
  const m = msg.cseq.method;
  if (m === msg.method) return undefined;
  if (!KNOWN_METHODS.has(msg.method)) return reject(501, 'E_CSEQ_METHOD', `unknown method ${msg.method} and CSeq method ${m}`);
  return reject(400, 'E_CSEQ_METHOD', `CSeq method ${m} does not match ${msg.method}`);
}

/**
 * RFC 3261 §16.3 item 2 (URI scheme): a Request-URI we cannot handle is answered 416 (RFC 4475
 * §3.3.2 unkscm, §3.3.3 novelsc); one that does not parse (ltgtruri, lwsruri) 400. RFC 3261
 * §19.1.1 (table): headers are not allowed in a Request-URI; RFC 4475 §3.1.2.11 (escruri) lets us
 * reject them, which we do rather than forward or strip them.
 */
export function checkRequestUri(msg: SipMessage): Rejection | undefined {
  // the usual sip: URI, recognised without building a SipUri
  if (msg.isRequest && isSipUriWithoutHeaders(msg.head, msg.ruriStart, msg.ruriEnd)) return undefined;
  let u;
  try {
    u = msg.uri;
  } catch (e) {
    if (e instanceof SipParseError) return reject(e.status, e.code, e.message);
    throw e;
  }
  if (u.scheme !== 'sip' && u.scheme !== 'sips' && u.scheme !== 'tel') {
    return reject(416, 'E_URI_SCHEME', `unsupported URI scheme ${u.scheme}`);
  }
  if (u.headers !== '') return reject(400, 'E_URI', 'escaped headers in the Request-URI');
  return undefined;
}

/** The option-tags of every field with this name (comma lists, RFC 3261 §20.29, §20.32). */
export function optionTags(msg: SipMessage, name: string): string[] {
  const tags: string[] = [];
  for (const h of msg.headersNamed(name)) {
    for (const t of msg.value(h).split(',')) {
      const tag = t.trim();
      if (tag !== '') tags.push(tag);
    }
  }
  return tags;
}

/**
 * RFC 3261 §16.3 item 5 (Proxy-Require): a proxy supporting none of the listed extensions answers
 * 420 Bad Extension with an Unsupported header field listing them (RFC 4475 §3.3.5 bext01).
 * Not for ACK or CANCEL, which cannot be rejected (RFC 3261 §8.2.2.3, §16.3).
 */
export function checkProxyRequire(msg: SipMessage): Rejection | undefined {
  if (msg.method === 'ACK' || msg.method === 'CANCEL') return undefined;
  if (msg.header('proxy-require') === undefined) return undefined;
  const tags = optionTags(msg, 'proxy-require');
  if (tags.length === 0) return undefined;
  return reject(420, 'E_PROXY_REQUIRE', `unsupported extensions ${tags.join(', ')}`, [`Unsupported: ${tags.join(', ')}`]);
}

/** undefined = acceptable; otherwise the response owed to the request. */
export function checkRequest(msg: SipMessage): Rejection | undefined {
  if (!msg.isRequest) return reject(400, 'E_NOT_REQUEST', 'not a request');
  return (
    checkVersion(msg) ??
    checkRequestLine(msg) ??
    checkHeaderCounts(msg) ??
    checkHeaderSyntax(msg) ??
    checkCSeqMethod(msg) ??
    checkRequestUri(msg) ??
    checkProxyRequire(msg)
  );
}

/**
 * RFC 3261 §18.1.2 / §16.7: a response that cannot be matched or forwarded is silently dropped.
 * Status-Code is 3DIGIT, 100..699 (RFC 4475 §3.1.2.19 bigcode); Via, CSeq (§3.1.2.5 scalarlg),
 * Call-ID, From and To must be present and parse.
 */
export function checkResponse(msg: SipMessage): boolean {
  if (msg.isRequest) return false;
  if (!isSip20(msg.version)) return false;
  if (msg.status < 100 || msg.status > 699) return false;
  try {
    if (msg.vias.length === 0) return false;
    void msg.cseq;
    void msg.callId;
    void msg.from;
    void msg.to;
  } catch (e) {
    if (e instanceof SipParseError) return false;
    throw e;
  }
  return !isBroadcastNextHop(msg);
}

/**
 * RFC 4475 §3.3.10 (bcast): forwarding a response goes to the second Via; if that says
 * 255.255.255.255 (sent-by or received), normal processing would broadcast it. Drop instead.
 */
export function isBroadcastNextHop(msg: SipMessage): boolean {
  const v = msg.vias[1];
  if (v === undefined) return false;
  return v.host === '255.255.255.255' || v.received === '255.255.255.255';
}
