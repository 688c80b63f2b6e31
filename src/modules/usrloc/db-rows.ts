// A contact as a row of SER's `location` table (and of every table shaped like it: `aliases`),
// with the column names usrloc's *_column parameters give (SER's defaults are the schema's
// names, src/db/schema.ts).
//
//   username, domain   the address of record: "user" (domain '') or, with use_domain, split at
//                      the last '@' into user and domain
//   contact            the contact URI as the UA wrote it
//   expires            absolute expiry, UTC date-time; NULL for a permanent contact (FL_PERMANENT)
//   q                  0..1, NULL when the contact has none
//   callid, cseq       of the REGISTER that made or refreshed the binding
//   flags              FL_* bits (FL_NAT, FL_PERMANENT)
//   user_agent         the REGISTER's User-Agent
//   received           where the REGISTER came from, as a SIP URI: sip:198.51.100.7:5062,
//                      sip:[2001:db8::1]:5060;transport=tcp
//   socket             the id of the local socket it arrived on (our listen sockets, in order)
//   last_modified      when the binding was made or refreshed

import type { DbValue, Row } from '../../db/api.js';
import { parseDateTime } from '../../db/schema.js';
import type { ContactInfo, Received, UContact } from './ucontact.js';
import { FL_PERMANENT, Q_UNSET } from './ucontact.js';

/** The column of each field (usrloc's *_column parameters). */
export interface UsrlocColumns {
  readonly user: string;
  readonly domain: string;
  readonly contact: string;
  readonly expires: string;
  readonly q: string;
  readonly callId: string;
  readonly cseq: string;
  readonly flags: string;
  readonly userAgent: string;
  readonly received: string;
  readonly socket: string;
  readonly lastModified: string;
}

export const DEFAULT_COLUMNS: UsrlocColumns = {
  user: 'username',
  domain: 'domain',
  contact: 'contact',
  expires: 'expires',
  q: 'q',
  callId: 'callid',
  cseq: 'cseq',
  flags: 'flags',
  userAgent: 'user_agent',
  received: 'received',
  socket: 'socket',
  lastModified: 'last_modified',
};

/** user and domain of an address of record (domain '' without use_domain). */
export function splitAor(aor: string, useDomain: boolean): [string, string] {
  if (!useDomain) return [aor, ''];
  const at = aor.lastIndexOf('@');
  return at < 0 ? [aor, ''] : [aor.slice(0, at), aor.slice(at + 1)];
}

export function joinAor(user: string, domain: string, useDomain: boolean): string {
  return useDomain && domain !== '' ? `${user}@${domain}` : user;
}

export function formatReceived(r: Received | undefined): string | null {
  if (!r) return null;
  const host = r.ip.includes(':') ? `[${r.ip}]` : r.ip;
  return `sip:${host}:${r.port}${r.proto === 'udp' ? '' : ';transport=' + r.proto}`;
}

const RECEIVED_RE = /^sip:(?:\[([0-9A-Fa-f:.]+)\]|([^:;[\]]+)):(\d{1,5})(?:;transport=(udp|tcp))?$/i;

export function parseReceived(v: DbValue): Received | undefined {
  if (typeof v !== 'string') return undefined;
  const m = RECEIVED_RE.exec(v);
  if (!m) return undefined;
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return undefined;
  return { proto: (m[4]?.toLowerCase() as 'udp' | 'tcp' | undefined) ?? 'udp', ip: m[1] ?? m[2]!, port };
}

/** Seconds since the epoch of a date-time column's value (Date, SQL text, or a number). */
export function toSeconds(v: DbValue): number | undefined {
  if (v === null) return undefined;
  if (v instanceof Date) return Math.floor(v.getTime() / 1000);
  if (typeof v === 'number') return Number.isFinite(v) ? Math.floor(v) : undefined;
  const d = parseDateTime(v);
  return d ? Math.floor(d.getTime() / 1000) : undefined;
}

export const fromSeconds = (s: number): Date => new Date(s * 1000);

/** The key columns of a contact's row (what replace() and delete() match on). */
export function keyOf(cols: UsrlocColumns, aor: string, uri: string, useDomain: boolean): Row {
  const [user, domain] = splitAor(aor, useDomain);
  return { [cols.user]: user, [cols.domain]: domain, [cols.contact]: uri };
}

export function contactRow(cols: UsrlocColumns, c: UContact, useDomain: boolean): Row {
  const row = keyOf(cols, c.aor, c.uri, useDomain);
  row[cols.expires] = c.permanent ? null : fromSeconds(c.expires);
  row[cols.q] = c.q < 0 ? null : c.q;
  row[cols.callId] = c.callId;
  row[cols.cseq] = c.cseq;
  row[cols.flags] = c.flags;
  row[cols.userAgent] = c.userAgent;
  row[cols.received] = formatReceived(c.received);
  row[cols.socket] = c.socketId === undefined ? null : String(c.socketId);
  row[cols.lastModified] = fromSeconds(c.lastModified);
  return row;
}

export interface RowContact {
  readonly aor: string;
  readonly uri: string;
  readonly info: ContactInfo;
  readonly lastModified: number;
}

const num = (v: DbValue, dflt: number): number => {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : dflt;
};

/**
 * A row as a contact; undefined when it cannot be one (no contact URI, no expiry and not
 * permanent) or when it has expired at `now`.
 */
export function rowContact(cols: UsrlocColumns, row: Row, useDomain: boolean, now: number): RowContact | undefined {
  const user = row[cols.user];
  const uri = row[cols.contact];
  if (typeof user !== 'string' || user === '' || typeof uri !== 'string' || uri === '') return undefined;
  const domain = typeof row[cols.domain] === 'string' ? (row[cols.domain] as string) : '';
  const flags = Math.trunc(num(row[cols.flags] ?? null, 0)) >>> 0;
  const expires = toSeconds(row[cols.expires] ?? null);
  const permanent = (flags & FL_PERMANENT) !== 0;
  if (!permanent && (expires === undefined || expires <= now)) return undefined;
  const qv = row[cols.q] ?? null;
  const q = qv === null ? Q_UNSET : num(qv, Q_UNSET);
  const socket = row[cols.socket];
  const socketId = socket === null || socket === undefined || socket === '' ? undefined : num(socket, NaN);
  const received = parseReceived(row[cols.received] ?? null);
  const ua = row[cols.userAgent];
  return {
    aor: joinAor(user, domain, useDomain),
    uri,
    lastModified: toSeconds(row[cols.lastModified] ?? null) ?? now,
    info: {
      expires: permanent ? 0 : expires!,
      q: q < 0 || q > 1 ? Q_UNSET : q,
      callId: typeof row[cols.callId] === 'string' ? (row[cols.callId] as string) : '',
      cseq: Math.trunc(num(row[cols.cseq] ?? null, 0)),
      flags,
      ...(typeof ua === 'string' ? { userAgent: ua } : {}),
      ...(received ? { received } : {}),
      ...(socketId !== undefined && Number.isInteger(socketId) ? { socketId } : {}),
    },
  };
}
