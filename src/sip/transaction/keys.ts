import type { SipMessage } from '../parser/message.js';
import { detach } from '../../util/strings.js';
import { MAGIC_COOKIE } from '../proxy/stateless.js';

// Transaction matching keys (RFC 3261 §17.1.3 and §17.2.3).

/**
 * The key of the server transaction a request belongs to. With an RFC 3261 branch: the branch,
 * the sent-by of the top Via and the method, an ACK counting as INVITE (§17.2.3). Without the
 * magic cookie (RFC 2543 peers): Request-URI, From tag, Call-ID, CSeq number, the whole top Via
 * and the method; the To tag is checked apart (see `toTagMatches`), because the ACK for a
 * response carries the tag the response gave.
 * `asMethod` looks up another method's transaction (CANCEL → its INVITE, §9.2).
 */
export function serverKey(msg: SipMessage, asMethod?: string): string {
  const v = msg.via1;
  const method = asMethod ?? (msg.method === 'ACK' ? 'INVITE' : msg.method);
  const b = v.branch;
  // detached: the key outlives the message, whose head its parts are slices of
  if (b !== undefined && b.startsWith(MAGIC_COOKIE)) return detach(b + '\n' + v.host + ':' + (v.port ?? '') + '\n' + method);
  return detach(
    '2543\n' + msg.ruri + '\n' + (msg.from.tag ?? '') + '\n' + msg.callId + '\n' + msg.cseq.seq + '\n' +
      msg.head.slice(v.start, v.end) + '\n' + method,
  );
}

/** Whether the key is an RFC 2543 one, for which the To tag must be compared too. */
export function isLegacyKey(key: string): boolean {
  return key.startsWith('2543\n');
}

/** The key of the client transaction a response belongs to: our branch and the CSeq method (§17.1.3). */
export function clientKey(branch: string, method: string): string {
  return branch + '\n' + method;
}
