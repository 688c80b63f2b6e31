// One contact of an address of record (SER usrloc's ucontact_t): a row of the `location` table.
// The fields are those of SER 0.8's table (username, contact, expires, q, callid, cseq) plus
// what a registrar learns from the REGISTER itself (User-Agent, where it came from, flags).

import { detach } from '../../util/strings.js';
import type { Proto } from '../../sip/transport/socket-info.js';

/** No flags. */
export const FL_NONE = 0;
/** The contact is behind a NAT: the REGISTER had registrar's `nat_flag` set (SER's FL_NAT). */
export const FL_NAT = 1;
/** The contact never expires (added by an administrator: `serctl ul add`). */
export const FL_PERMANENT = 0x80;

/** q not given and no default_q: the contact's q is left out of replies and sorts last. */
export const Q_UNSET = -1;

/**
 * The remaining lifetime shown for a permanent contact where a number is required (the
 * `expires` parameter of a Contact in a 200 to REGISTER): 2^30 - 1 seconds, what SER 0.8's
 * serctl gave ul_add for a "permanent" contact (`expires=1073741812` in the admin guide).
 */
export const PERMANENT_EXPIRES = 1073741823;

/**
 * Where a contact stands with respect to persistent storage (SER's CS_NEW / CS_SYNC /
 * CS_DIRTY): a write-back database backend (db_mode 2) writes the `new` and `dirty` ones and
 * marks them `sync`; write-through (db_mode 1) marks a contact `sync` once its write succeeded;
 * contacts loaded from the database start `sync`. In memory mode they stay `new`/`dirty`.
 */
export type ContactState = 'new' | 'sync' | 'dirty';

/** The source the REGISTER came from (transport, address, port). */
export interface Received {
  readonly proto: Proto;
  readonly ip: string;
  readonly port: number;
}

/** The values a contact is inserted or updated with. */
export interface ContactInfo {
  /** absolute expiry time in seconds (ignored for a permanent contact) */
  readonly expires: number;
  /** Q_UNSET, or 0..1 */
  readonly q: number;
  readonly callId: string;
  readonly cseq: number;
  /** FL_* bits */
  readonly flags: number;
  /** text (the registrar decodes the REGISTER's UTF-8), only shown and stored, never sent */
  readonly userAgent?: string;
  readonly received?: Received;
  /** id of the local socket the REGISTER arrived on (SocketInfo.id) */
  readonly socketId?: number;
}

export class UContact {
  expires!: number;
  q!: number;
  callId!: string;
  cseq!: number;
  flags!: number;
  userAgent!: string;
  received!: Received | undefined;
  socketId!: number | undefined;
  /** when the contact was inserted or last updated (seconds) */
  lastModified!: number;
  state: ContactState = 'new';

  /** the address of record it belongs to */
  readonly aor: string;
  /** the contact URI, as the UA wrote it (compared byte for byte, as SER did) */
  readonly uri: string;

  constructor(aor: string, uri: string, info: ContactInfo, now: number) {
    // copies: text sliced from the REGISTER would keep the whole message alive for hours
    this.aor = detach(aor);
    this.uri = detach(uri);
    this.set(info, now);
  }

  private set(info: ContactInfo, now: number): void {
    this.expires = info.expires;
    this.q = info.q;
    this.callId = detach(info.callId);
    this.cseq = info.cseq;
    this.flags = info.flags;
    this.userAgent = detach(info.userAgent ?? '');
    this.received = info.received;
    this.socketId = info.socketId;
    this.lastModified = now;
  }

  get permanent(): boolean {
    return (this.flags & FL_PERMANENT) !== 0;
  }

  /** SER's VALID_CONTACT: not expired at `now` (a permanent contact always is valid). */
  isValid(now: number): boolean {
    return this.permanent || this.expires > now;
  }

  /** Seconds left at `now` (0 when expired; PERMANENT_EXPIRES for a permanent contact). */
  remaining(now: number): number {
    if (this.permanent) return PERMANENT_EXPIRES;
    return Math.max(0, this.expires - now);
  }

  /** Overwrite the values from a newer registration. */
  assign(info: ContactInfo, now: number): void {
    this.set(info, now);
    if (this.state === 'sync') this.state = 'dirty';
  }

  /** The values that change over the contact's life, for a rollback (see URecord.save). */
  saveFields(): SavedFields {
    return {
      expires: this.expires,
      q: this.q,
      callId: this.callId,
      cseq: this.cseq,
      flags: this.flags,
      userAgent: this.userAgent,
      received: this.received,
      socketId: this.socketId,
      lastModified: this.lastModified,
      state: this.state,
    };
  }

  /** Put back what saveFields() returned (nobody is told: a rollback restores what was stored). */
  restoreFields(f: SavedFields): void {
    this.expires = f.expires;
    this.q = f.q;
    this.callId = f.callId;
    this.cseq = f.cseq;
    this.flags = f.flags;
    this.userAgent = f.userAgent;
    this.received = f.received;
    this.socketId = f.socketId;
    this.lastModified = f.lastModified;
    this.state = f.state;
  }

  /** A plain copy, for dumps and other modules (the stored object stays private to usrloc). */
  view(now: number): ContactView {
    return {
      uri: this.uri,
      expires: this.permanent ? undefined : this.expires,
      remaining: this.remaining(now),
      permanent: this.permanent,
      q: this.q,
      callId: this.callId,
      cseq: this.cseq,
      flags: this.flags,
      userAgent: this.userAgent,
      received: this.received,
      socketId: this.socketId,
      lastModified: this.lastModified,
      state: this.state,
    };
  }
}

export interface SavedFields {
  readonly expires: number;
  readonly q: number;
  readonly callId: string;
  readonly cseq: number;
  readonly flags: number;
  readonly userAgent: string;
  readonly received: Received | undefined;
  readonly socketId: number | undefined;
  readonly lastModified: number;
  readonly state: ContactState;
}

export interface ContactView {
  readonly uri: string;
  /** absolute expiry (seconds); undefined for a permanent contact */
  readonly expires: number | undefined;
  readonly remaining: number;
  readonly permanent: boolean;
  readonly q: number;
  readonly callId: string;
  readonly cseq: number;
  readonly flags: number;
  readonly userAgent: string;
  readonly received: Received | undefined;
  readonly socketId: number | undefined;
  readonly lastModified: number;
  readonly state: ContactState;
}

/**
 * q as SER 0.8 printed it (`%-3.2f`: "0.50", "1.00"), with a third decimal when there is one
 * ("0.125"); undefined for Q_UNSET.
 */
export function formatQ(q: number): string | undefined {
  if (q < 0) return undefined;
  const thousandths = Math.round(q * 1000);
  return (thousandths / 1000).toFixed(thousandths % 10 === 0 ? 2 : 3);
}
