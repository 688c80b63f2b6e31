// The registrar's answers (SER registrar's reply.c): 200 with one Contact header field per
// current binding, each with its q and the seconds it has left (RFC 3261 §10.3 step 8); errors
// with the status SER gave and the reason in a P-Registrar-Error header field (SER's later
// versions; 0.8 meant to add its Error-Info text the same way).

import { formatQ, type UContact } from '../usrloc/ucontact.js';

/** What went wrong, with SER's rerrno names in the comments. */
export type RegError =
  | 'to-missing' // R_TO_MISS
  | 'callid-missing' // R_CID_MISS
  | 'cseq-missing' // R_CS_MISS
  | 'no-user' // R_TO_USER
  | 'aor-too-long' // R_AOR_LEN
  | 'aor-parse' // R_AOR_PARSE
  | 'contact-parse' // R_PARSE_CONT
  | 'star-expires' // R_STAR_EXP
  | 'star-contacts' // R_STAR_CONT
  | 'invalid-q' // R_INV_Q
  | 'out-of-order' // R_OOO
  | 'too-brief' // (423, RFC 3261 §10.3 step 7)
  | 'internal'; // R_UL_*

const ERRORS: Record<RegError, { status: number; reason: string; info: string }> = {
  'to-missing': { status: 400, reason: 'Bad Request', info: 'To header not found' },
  'callid-missing': { status: 400, reason: 'Bad Request', info: 'Call-ID header not found' },
  'cseq-missing': { status: 400, reason: 'Bad Request', info: 'CSeq header not found' },
  'no-user': { status: 400, reason: 'Bad Request', info: 'No username in To URI' },
  'aor-too-long': { status: 500, reason: 'Server Internal Error', info: 'Address Of Record too long' },
  'aor-parse': { status: 400, reason: 'Bad Request', info: 'Error while parsing AOR' },
  'contact-parse': { status: 400, reason: 'Bad Request', info: 'Contact parse error' },
  'star-expires': { status: 400, reason: 'Bad Request', info: '* used in contact and expires != 0' },
  'star-contacts': { status: 400, reason: 'Bad Request', info: '* used in contact and no. of contacts > 1' },
  'invalid-q': { status: 400, reason: 'Bad Request', info: 'Invalid q param in contact' },
  'out-of-order': { status: 400, reason: 'Bad Request', info: 'Out of order request' },
  'too-brief': { status: 423, reason: 'Interval Too Brief', info: 'Expires shorter than min_expires' },
  internal: { status: 500, reason: 'Server Internal Error', info: 'usrloc update failed' },
};

export interface RegReply {
  readonly status: number;
  readonly reason: string;
  /** header lines without CRLF */
  readonly headers: readonly string[];
}

/** One Contact header field per binding valid at `now`: `Contact: <uri>;q=0.50;expires=3590`. */
export function contactLines(contacts: readonly UContact[], now: number): string[] {
  const out: string[] = [];
  for (const c of contacts) {
    if (!c.isValid(now)) continue;
    const q = formatQ(c.q);
    out.push(`Contact: <${c.uri}>${q === undefined ? '' : ';q=' + q};expires=${c.remaining(now)}`);
  }
  return out;
}

export function okReply(contacts: readonly UContact[], now: number): RegReply {
  return { status: 200, reason: 'OK', headers: contactLines(contacts, now) };
}

/**
 * The database could not store the change (usrloc db_mode 1 and 3): 500 with Retry-After, so
 * that the UA tries again later (RFC 3261 §21.5.1, §20.33); nothing was changed.
 */
export function unavailableReply(retryAfter: number): RegReply {
  const headers = [`P-Registrar-Error: ${ERRORS.internal.info}`];
  if (retryAfter > 0) headers.unshift(`Retry-After: ${retryAfter}`);
  return { status: 500, reason: 'Server Internal Error', headers };
}

export function errorReply(e: RegError, minExpires = 0): RegReply {
  const x = ERRORS[e];
  const headers = [`P-Registrar-Error: ${x.info}`];
  // RFC 3261 §21.4.17: a 423 MUST carry Min-Expires
  if (e === 'too-brief') headers.unshift(`Min-Expires: ${minExpires}`);
  return { status: x.status, reason: x.reason, headers };
}
