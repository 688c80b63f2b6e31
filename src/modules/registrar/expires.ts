// How long a binding lasts (RFC 3261 §10.2.1.1, §10.3 step 7; SER registrar's
// calc_contact_expires): the contact's `expires` parameter, else the Expires header field, else
// default_expires. A malformed value counts as the default (RFC 3261 §20.10 and §20.19 say to
// treat it as 3600, default_expires' default; SER 0.8 did so for the parameter). Then the
// server's limits: below min_expires a REGISTER is refused with 423 (§10.3 step 7, §21.4.17) when
// it asked for less than an hour, and raised otherwise; above max_expires it is lowered.

import type { Contact, SipMessage } from '../../sip/parser/message.js';
import { paramValue } from '../../sip/parser/params.js';

/** delta-seconds larger than 2^32-1 are read as that (RFC 3261 §10.2.1.1 allows it). */
const MAX_DELTA = 4294967295;

/** The Expires header field: its seconds, undefined when absent, 'malformed' when not delta-seconds. */
export function expiresHeader(msg: SipMessage): number | undefined | 'malformed' {
  const h = msg.header('expires');
  if (!h) return undefined;
  const v = msg.value(h).trim();
  if (!/^\d+$/.test(v)) return 'malformed';
  return Math.min(Number(v), MAX_DELTA);
}

export interface Requested {
  /** seconds asked for (0: remove the binding) */
  readonly seconds: number;
  /** false when the REGISTER named no valid value and the default was taken */
  readonly requested: boolean;
}

/** What one contact asks for, before the server's limits. */
export function requestedExpires(c: Contact, header: number | undefined | 'malformed', defaultExpires: number): Requested {
  const param = paramValue(c.params, 'expires');
  if (param !== undefined) {
    // the parser leaves c.expires undefined for a value that is not delta-seconds <= 2^32-1
    if (c.expires !== undefined) return { seconds: c.expires, requested: true };
    if (param !== null && /^\d+$/.test(param)) return { seconds: MAX_DELTA, requested: true };
    return { seconds: defaultExpires, requested: false };
  }
  if (typeof header === 'number') return { seconds: header, requested: true };
  return { seconds: defaultExpires, requested: false };
}

export interface ExpiresLimits {
  readonly minExpires: number;
  readonly maxExpires: number;
}

/** The seconds granted, or 'too-brief' when the REGISTER must be answered 423 Interval Too Brief. */
export function grantedExpires(r: Requested, l: ExpiresLimits): number | 'too-brief' {
  let s = r.seconds;
  if (s === 0) return 0;
  if (l.minExpires > 0 && s < l.minExpires) {
    // RFC 3261 §10.3 step 7: 423 only if the interval asked for is under an hour
    if (r.requested && s < 3600) return 'too-brief';
    s = l.minExpires;
  }
  if (l.maxExpires > 0 && s > l.maxExpires) s = l.maxExpires;
  return s;
}
