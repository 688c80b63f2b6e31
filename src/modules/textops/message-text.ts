import type { SipMessage } from '../../sip/parser/message.js';

// The text textops' regular expressions run over. SER's search() ran regexec() over msg->buf, the
// whole received message, head and body; its rewriting functions (search_append, replace,
// replace_all) started at the second line (textops.c, 2003-01-29: edits inside the request line
// broke the forwarded request; the Request-URI belongs to rewriteuri and friends).

const texts = new WeakMap<SipMessage, string>();

/**
 * The whole message, head and body, as a byte string (one char per byte, like SipMessage.head),
 * so that an offset in it is an offset in msg.buf, where the edits apply. Decoded once per
 * message: a script often searches the same request several times.
 */
export function messageText(msg: SipMessage): string {
  let t = texts.get(msg);
  if (t === undefined) {
    // msg.buf is the head and the body as framed by Content-Length: trailing datagram bytes
    // are not part of the message (RFC 3261 §18.3) and are not searched
    t = msg.body.length === 0 ? msg.head : msg.head + msg.body.toString('latin1');
    texts.set(msg, t);
  }
  return t;
}

/** Offset of the second line, where replace() and search_append() begin to look. */
export function afterStartLine(msg: SipMessage): number {
  // the start line ends at the first LF after the Request-URI (a bare CR there was refused)
  const nl = msg.head.indexOf('\n', msg.ruriEnd);
  return nl < 0 ? msg.bodyStart : nl + 1;
}
