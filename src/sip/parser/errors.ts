// The only exception the SIP parser ever throws. Everything that reads bytes from the network
// catches this one class (and nothing else), so a hostile message can never surface as a
// TypeError or RangeError from deep inside the parser.

import type { SipMessage } from './message.js';

export class SipParseError extends Error {
  /** Stable machine code ('E_FIRST_LINE', 'E_VERSION', 'E_CSEQ', 'E_VIA', 'E_CONTENT_LENGTH', 'E_URI', 'E_HEADER', ...). */
  readonly code: string;
  /** The SIP status owed if the message is a request: 400 mostly, 505 bad version, 416 bad URI scheme. */
  readonly status: number;
  /**
   * For errors found after the whole head was indexed (body framing: RFC 4475 clerr, ncl, mcl01):
   * the message as far as it could be parsed. Its head and typed getters work, its body is
   * whatever followed the empty line, so a stateless error reply can still be built from it.
   */
  readonly partial: SipMessage | undefined;

  constructor(code: string, message: string, status = 400, partial?: SipMessage) {
    super(message);
    this.name = 'SipParseError';
    this.code = code;
    this.status = status;
    this.partial = partial;
  }
}
