import { createHash } from 'node:crypto';
import { EditList } from '../edit.js';
import type { Myself } from '../myself.js';
import type { SipMessage, Via } from '../parser/message.js';
import type { SocketInfo } from '../transport/socket-info.js';

// Stateless proxying (RFC 3261 §16.11): the request leaves with our Via on top, whose branch is a
// function of the request so that a retransmission gets the same branch; the response comes back,
// loses our Via and follows the next one.

/** RFC 3261 §8.1.1.7 */
export const MAGIC_COOKIE = 'z9hG4bK';

function md5hex(s: string, len: number): string {
  return createHash('md5').update(s, 'latin1').digest('hex').slice(0, len);
}

/**
 * The part of the branch that a loop reproduces (RFC 3261 §16.6 step 8): the received
 * Request-URI, From tag, To tag, Call-ID, CSeq number, Proxy-Require and Proxy-Authorization.
 * A spiral changes the Request-URI and gives another value.
 */
export function loopKey(msg: SipMessage): string {
  let s = msg.ruri + '\n' + (msg.from.tag ?? '') + '\n' + (msg.to.tag ?? '') + '\n' + msg.callId + '\n' + msg.cseq.seq;
  for (const name of ['proxy-require', 'proxy-authorization']) {
    for (const h of msg.headersNamed(name)) s += '\n' + msg.value(h);
  }
  return md5hex(s, 12);
}

/**
 * Our branch for a stateless forward: magic cookie, the loop key, and a hash of the previous
 * hop's Via (branch and sent-by) so that different transactions get different branches while
 * a retransmission, and the CANCEL or non-2xx ACK of an INVITE (same top Via, RFC 3261 §9.1,
 * §17.1.1.3), get the same one (RFC 3261 §16.11).
 */
export function statelessBranch(msg: SipMessage): string {
  const v = msg.via1;
  return MAGIC_COOKIE + loopKey(msg) + '.' + md5hex(`${v.branch ?? ''}\n${v.host}\n${v.port ?? ''}`, 12);
}

/**
 * RFC 3261 §16.3 step 4: a Via of ours whose branch carries the loop key this request would get
 * means the request came back unchanged: a loop, not a spiral.
 */
export function isLooping(msg: SipMessage, myself: Myself): boolean {
  let key: string | undefined;
  for (const v of msg.vias) {
    if (!v.branch || !myself.isMyself(v.host, v.port)) continue;
    key ??= MAGIC_COOKIE + loopKey(msg) + '.';
    if (v.branch.startsWith(key)) return true;
  }
  return false;
}

/** Our Via header line (with CRLF) for a request leaving by `sock`. */
export function viaLine(sock: SocketInfo, branch: string): string {
  return `Via: SIP/2.0/${sock.proto === 'udp' ? 'UDP' : 'TCP'} ${sock.hostport};branch=${branch}\r\n`;
}

export interface ForwardEdits {
  /** the Request-URI to put in the request line, when rewritten */
  newUri?: string;
  /** our Via line, inserted above the first Via */
  via: string;
  /** `Max-Forwards` handling of RFC 3261 §16.6 step 3 when the script did not do it */
  maxForwards?: 'decrement' | 'add';
  /** header lines (with CRLF) put first, e.g. Record-Route (RFC 3261 §16.6 step 4) */
  top?: string;
}

/**
 * The bytes of the forwarded request: the received bytes with the script's edits and ours.
 * A Content-Length is added when missing, as stream transports need it (RFC 3261 §18.3 / §20.14).
 */
export function buildForwardedRequest(msg: SipMessage, scriptEdits: EditList, f: ForwardEdits): Buffer {
  const e = new EditList();
  const firstVia = msg.header('via');
  const eoh = endOfHeaders(msg);
  const first = msg.headers[0];
  if (f.top) e.insert(first ? first.start : eoh, f.top);
  e.insert(firstVia ? firstVia.start : eoh, f.via);
  if (f.newUri !== undefined && f.newUri !== msg.ruri) e.replace(msg.ruriStart, msg.ruriEnd, f.newUri);
  if (f.maxForwards === 'decrement') {
    const h = msg.header('max-forwards');
    const mf = msg.maxForwards;
    if (h && mf !== undefined) e.replace(h.valueStart, h.valueEnd, String(mf - 1));
  } else if (f.maxForwards === 'add') {
    e.insert(eoh, 'Max-Forwards: 70\r\n');
  }
  // The script may have edited the body (textops' replace, search_append): the Content-Length
  // must say what leaves, or the next hop frames the message wrongly (RFC 3261 §20.14, §18.3).
  // SER 0.8 did not adjust it; its later body lumps did. A Content-Length the script edited
  // itself is left to it; one it removed (remove_hf) is written anew, as for a request that came
  // without one: a stream transport cannot frame the message without it (RFC 3261 §18.3).
  // (A datagram without the empty line has no body: what is inserted at its end is header lines.)
  const bodyLength = msg.body.length + (eoh < msg.bodyStart ? scriptEdits.lengthDelta(msg.bodyStart) : 0);
  const cl = msg.header('content-length');
  if (cl === undefined || scriptEdits.removes(cl.start, cl.end)) {
    e.insert(eoh, `Content-Length: ${bodyLength}\r\n`);
  } else if (bodyLength !== msg.body.length && !scriptEdits.touches(cl.start, cl.end)) {
    e.replace(cl.valueStart, cl.valueEnd, String(bodyLength));
  }
  return scriptEdits.apply(msg.buf, msg.buf.length, e);
}

/** Where the empty line after the headers starts: new header lines are inserted there. */
export function endOfHeaders(msg: SipMessage): number {
  const last = msg.headers[msg.headers.length - 1];
  return last ? last.end : msg.bodyStart - 2;
}

/** Where a response goes after our Via is removed (RFC 3261 §18.2.2, RFC 3581 §4). */
export interface ResponseHop {
  transport: string;
  /** an IP literal, or a name to resolve */
  host: string;
  /** undefined: RFC 3263 §5 rules (SRV for a name) */
  port: number | undefined;
}

export function responseHop(v: Via): ResponseHop {
  const transport = v.transport.toLowerCase();
  // RFC 3261 §18.2.2: maddr first (multicast, with the sent-by port), then received with the
  // rport or sent-by port, then the sent-by itself.
  if (v.maddr) return { transport, host: v.maddr, port: v.port ?? 5060 };
  const rport = v.rport ? Number(v.rport) : undefined;
  if (v.received) return { transport, host: v.received, port: rport ?? v.port ?? 5060 };
  return { transport, host: v.host, port: rport ?? v.port };
}

/**
 * Remove our Via (the first value) from a response: the whole header line when it holds only
 * that value, else just the value and the comma after it. `extraHeaders` (lines with CRLF) are
 * added after the last header field.
 */
export function stripFirstVia(msg: SipMessage, extraHeaders?: string): Buffer {
  const vias = msg.vias;
  const v1 = vias[0]!;
  const e = new EditList();
  const v2 = vias[1];
  if (v2 && v2.header === v1.header) e.remove(v1.start, v2.start);
  else e.remove(v1.header.start, v1.header.end);
  if (extraHeaders) e.insert(endOfHeaders(msg), extraHeaders);
  return e.apply(msg.buf);
}
