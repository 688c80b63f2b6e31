import { randomBytes } from 'node:crypto';
import type { SipMessage } from '../../sip/parser/message.js';
import { parseUri, uriParam } from '../../sip/parser/uri.js';
import type { Tm } from './tm.js';

// Requests this server originates (SER's t_uac, behind serctl ping, cisco_restart and the FIFO's
// t_uac_dlg): the caller names method, Request-URI, optional header lines and body; what a
// request needs and was not given (RFC 3261 §8.1.1: From with a tag, To, Call-ID, CSeq,
// Max-Forwards) is added.

export interface UacRequest {
  readonly method: string;
  readonly ruri: string;
  /** header lines without CRLF; a From, To, Call-ID or CSeq given here replaces ours */
  readonly headers?: readonly string[];
  readonly body?: string;
  /** send to this URI's host instead of the Request-URI's (SER's "outbound URI") */
  readonly outbound?: string;
}

export interface UacResult {
  /** the final status; 408 when nobody answered, 500 when it could not be sent */
  readonly status: number;
  readonly reason: string;
  readonly msg?: SipMessage;
}

const GIVEN = /^(from|f|to|t|call-id|i|cseq|max-forwards|content-length|l)\s*:/i;

/** Send `r` through a client transaction; resolves with the final response. Never throws. */
export async function sendRequest(tm: Tm, r: UacRequest): Promise<UacResult> {
  const core = tm.core;
  let target;
  try {
    target = parseUri(r.outbound ?? r.ruri);
    parseUri(r.ruri);
  } catch (e) {
    return { status: 400, reason: `bad URI: ${(e as Error).message}` };
  }
  if (target.scheme !== 'sip' && target.scheme !== 'sips') return { status: 416, reason: `cannot send to a ${target.scheme}: URI` };
  const tp = uriParam(target, 'transport');
  const proto = target.scheme === 'sips' || (typeof tp === 'string' && tp.toLowerCase() === 'tcp') ? 'tcp' : 'udp';
  let dest;
  try {
    dest = await core.resolver.nextHop(target.host, target.port, proto, target.scheme === 'sips');
  } catch (e) {
    return { status: 478, reason: `cannot resolve ${target.host}: ${(e as Error).message}` };
  }
  const given = new Set((r.headers ?? []).map((h) => GIVEN.exec(h)?.[1]?.toLowerCase()).filter(Boolean));
  const has = (long: string, short: string) => given.has(long) || given.has(short);
  const body = Buffer.from(r.body ?? '', 'utf8');
  const res = await tm.uac(
    r.method,
    (via, sock) => {
      let head = `${r.method} ${r.ruri} SIP/2.0\r\n${via}`;
      if (!has('from', 'f')) head += `From: <sip:ser@${sock.hostport}>;tag=${randomBytes(8).toString('hex')}\r\n`;
      if (!has('to', 't')) head += `To: <${r.ruri}>\r\n`;
      if (!has('call-id', 'i')) head += `Call-ID: ${randomBytes(12).toString('hex')}@${sock.viaHost}\r\n`;
      if (!given.has('cseq')) head += `CSeq: 1 ${r.method}\r\n`;
      if (!given.has('max-forwards')) head += 'Max-Forwards: 70\r\n';
      head += core.userAgentHeader + '\r\n';
      for (const h of r.headers ?? []) if (!/^(content-length|l)\s*:/i.test(h)) head += h + '\r\n';
      head += `Content-Length: ${body.length}\r\n\r\n`;
      return Buffer.concat([Buffer.from(head, 'latin1'), body]);
    },
    dest,
    proto,
  );
  const reason = res.msg?.reason ?? (res.status === 408 ? 'Request Timeout' : 'Server Error');
  return { status: res.status, reason, msg: res.msg };
}
