// SIP_TID: "a token uniquely identifying transaction, to which the request belongs" (guide §4.1).
// SER computed it from the request itself (char_msg_val() in its core: the MD5 of the From, To
// and Call-ID values, the Request-URI, the CSeq number, and the top Via's host, port and branch),
// so it exists without tm and is the same for every retransmission of the request. The guide's
// listing shows such a 32-hex-digit value for Example 4-2, which loads no tm.

import { createHash } from 'node:crypto';
import type { SipMessage } from '../../sip/parser/message.js';

function value(msg: SipMessage, name: string): string {
  const h = msg.header(name);
  return h ? msg.head.slice(h.valueStart, h.valueEnd) : '';
}

/** The request's transaction token (32 lower-case hex digits); '' when the request lacks the fields. */
export function transactionToken(msg: SipMessage): string {
  try {
    const via = msg.via1;
    const cseq = msg.cseq;
    const parts = [
      value(msg, 'from'),
      value(msg, 'to'),
      value(msg, 'call-id'),
      msg.ruri,
      String(cseq.seq),
      via.host,
      via.port === undefined ? '' : String(via.port),
      via.branch ?? '',
    ];
    const md5 = createHash('md5');
    for (const p of parts) md5.update(p, 'latin1');
    return md5.digest('hex');
  } catch {
    return '';
  }
}
