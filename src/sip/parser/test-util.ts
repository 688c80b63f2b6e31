// Helpers for the parser's unit tests (not used by the parser itself).

import { parseMessage, type SipMessage } from './message.js';

/** A message from lines joined by CRLF, with the empty line and an optional body appended. */
export function sipText(lines: string[], body = ''): string {
  return lines.join('\r\n') + '\r\n\r\n' + body;
}

export function msgOf(lines: string[], body = ''): SipMessage {
  return parseMessage(Buffer.from(sipText(lines, body), 'latin1'));
}

/** A request with the mandatory header fields, plus `extra` lines before Content-Length. */
export function request(extra: string[] = [], method = 'OPTIONS', ruri = 'sip:bob@biloxi.example.com'): SipMessage {
  return msgOf([
    `${method} ${ruri} SIP/2.0`,
    'Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKnashds8',
    'Max-Forwards: 70',
    'To: Bob <sip:bob@biloxi.example.com>',
    'From: Alice <sip:alice@atlanta.example.com>;tag=1928301774',
    'Call-ID: a84b4c76e66710@pc33.atlanta.example.com',
    `CSeq: 314159 ${method}`,
    ...extra,
    'Content-Length: 0',
  ]);
}
