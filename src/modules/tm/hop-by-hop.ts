import { parseMessage, type SipMessage } from '../../sip/parser/message.js';

// Requests a proxy's client transaction sends on its own, built from the request it forwarded:
// the ACK for a non-2xx final response (RFC 3261 §17.1.1.3) and the CANCEL (§9.1).

/**
 * The lines both requests share with the request sent: request line with its Request-URI, our
 * Via alone (the same branch), the Route header fields, From, Call-ID and the CSeq number.
 */
function common(sent: SipMessage, method: string, to: string): string {
  const head = sent.head;
  const v = sent.vias[0]!;
  let out = `${method} ${sent.ruri} SIP/2.0\r\n`;
  out += `Via: ${head.slice(v.start, v.end)}\r\n`;
  for (const h of sent.headers) {
    if (h.name === 'route' || h.name === 'from' || h.name === 'call-id') out += head.slice(h.start, h.end);
  }
  out += to;
  out += `CSeq: ${sent.cseq.seq} ${method}\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n`;
  return out;
}

function toLine(msg: SipMessage): string {
  const h = msg.header('to')!;
  return msg.head.slice(h.start, h.end);
}

/** RFC 3261 §17.1.1.3: the To of the ACK is the response's (it carries the tag). */
export function buildAck(sentRequest: Buffer, response: SipMessage): Buffer {
  const sent = parseMessage(sentRequest);
  return Buffer.from(common(sent, 'ACK', toLine(response)), 'latin1');
}

/** RFC 3261 §9.1: Request-URI, Call-ID, To, From, CSeq number and Via as in the request cancelled. */
export function buildCancel(sentRequest: Buffer): Buffer {
  const sent = parseMessage(sentRequest);
  return Buffer.from(common(sent, 'CANCEL', toLine(sent)), 'latin1');
}
