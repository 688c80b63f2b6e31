// Loading the RFC 4475 fixtures and running one through the message layer the way the proxy does.

import { readFileSync } from 'node:fs';
import { SipParseError } from '../../src/sip/parser/errors.js';
import { parseMessage, type SipMessage } from '../../src/sip/parser/message.js';
import { checkRequest, checkResponse } from '../../src/sip/validate.js';
import type { Verdict } from './expectations.js';

/** test/fixtures/rfc4475 (from dist/test/rfc4475 after the build, or test/rfc4475 in the sources). */
const DIR = new URL('../../../test/fixtures/rfc4475/', import.meta.url);

export function fixture(name: string): Buffer {
  return readFileSync(new URL(`${name}.sip`, DIR));
}

export interface Outcome {
  verdict: Verdict;
  status?: number;
  msg?: SipMessage;
  error?: SipParseError;
  code?: string;
}

function looksLikeResponse(buf: Buffer): boolean {
  return buf.toString('latin1', 0, 4).toUpperCase() === 'SIP/';
}

/** What the proxy does with these bytes: accept, reject (with the status owed), or drop. */
export function outcome(buf: Buffer, framing: 'datagram' | 'stream' = 'datagram'): Outcome {
  let msg: SipMessage;
  try {
    msg = parseMessage(buf, framing);
  } catch (e) {
    if (!(e instanceof SipParseError)) throw e;
    const isRequest = e.partial ? e.partial.isRequest : !looksLikeResponse(buf);
    return isRequest ? { verdict: 'reject', status: e.status, error: e, code: e.code } : { verdict: 'drop', error: e, code: e.code };
  }
  if (msg.isRequest) {
    const r = checkRequest(msg);
    return r ? { verdict: 'reject', status: r.status, msg, code: r.code } : { verdict: 'accept', msg };
  }
  return checkResponse(msg) ? { verdict: 'accept', msg } : { verdict: 'drop', msg };
}
