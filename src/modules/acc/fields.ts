// What the acc module reports about a request: SER 0.8's accounting fields, one letter each
// (acc_defs.h ALL_LOG_FMT "cdfimorstup01FTUSnDX", filled by acc.c fmt2strar()). A value that is
// missing (no tag, no user part, no credentials) is SER's "n/a", in the log and in the database.

import type { SipMessage } from '../../sip/parser/message.js';
import { parseUri } from '../../sip/parser/uri.js';
import type { AuthorizedCredentials } from '../../script/context.js';
import { dbText } from '../../util/strings.js';

/** SER's text for a value that is not there. */
export const NA = 'n/a';

/** Every field letter SER 0.8 knew, in its order. */
export const ALL_FIELDS = 'cdfimorstup01FTUSnDX';

/** SER's default log_fmt: method, in-uri, out-uri, Call-ID, From, status. */
export const DEFAULT_LOG_FMT = 'miocfs';

/** acc table rows (SQL_ACC_FMT): user and domain of the caller (From URI). */
export const SQL_ACC_FMT = 'FTmiofcts0drX';
/** missed_calls rows (SQL_MC_FMT): user and domain of the callee (the received Request-URI). */
export const SQL_MC_FMT = 'FTmiofctspdrD';

/**
 * The syslog attribute name of each letter (acc.h A_*). 'n', 'S', 'D', 'X' came with SER 0.8.12's
 * additions, whose attribute names are not in the 0.8 header we follow: ours are marked.
 */
export const ATTR_NAMES: Readonly<Record<string, string>> = {
  c: 'call_id',
  d: 'totag',
  f: 'from',
  i: 'i-uri',
  m: 'method',
  o: 'o-uri',
  r: 'fromtag',
  s: 'code',
  t: 'to',
  u: 'uid',
  p: 'userpart',
  '0': 'fromuser',
  '1': 'touser',
  F: 'fromuri',
  T: 'touri',
  U: 'uid', // 'fromuri' when there are no credentials
  S: 'statuscode', // ours
  n: 'cseq', // ours
  D: 'domain', // ours
  X: 'fromdomain', // ours
};

/** The column of the acc and missed_calls tables each SQL letter fills (acc.c acc_db_request keys). */
export const DB_COLUMNS: Readonly<Record<string, string>> = {
  F: 'from_uri',
  T: 'to_uri',
  m: 'sip_method',
  i: 'i_uri',
  o: 'o_uri',
  f: 'sip_from',
  c: 'sip_callid',
  t: 'sip_to',
  s: 'sip_status',
  '0': 'username',
  p: 'username',
  d: 'totag',
  r: 'fromtag',
  X: 'domain',
  D: 'domain',
};

/** Checks a log_fmt value: an error message, or undefined when every letter is known. */
export function checkLogFmt(fmt: string): string | undefined {
  if (fmt.length === 0) return 'must name at least one field';
  if (fmt.length > ALL_FIELDS.length) return `too long: at most ${ALL_FIELDS.length} letters`;
  for (const ch of fmt) {
    if (!ALL_FIELDS.includes(ch)) return `unknown field '${ch}' (known: ${ALL_FIELDS})`;
  }
  return undefined;
}

/** The request being accounted, with what the script made of it (text as byte strings). */
export interface AccSource {
  /** the request as received */
  readonly msg: SipMessage;
  /** the Request-URI the script set (SER's new_uri), undefined when the received one stands */
  readonly newUri: string | undefined;
  /** digest credentials the script accepted */
  readonly authorized: AuthorizedCredentials | undefined;
  /** the message whose To header is reported: the reply sent upstream when it came from downstream, else the request */
  readonly toMsg: SipMessage;
  /** the status text (SER's "phrase"): "200", "486 Busy Here", or the script's comment (as bytes) */
  readonly phrase: string;
}

/** One field: its attribute name and value. */
export interface Field {
  readonly name: string;
  readonly value: string;
}

const orNa = (s: string | undefined): string => (s === undefined || s === '' ? NA : s);

function attempt<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch {
    return undefined; // a header that does not parse reports as n/a
  }
}

function uriPart(uri: string | undefined, part: 'user' | 'host'): string | undefined {
  if (uri === undefined) return undefined;
  return attempt(() => parseUri(uri)[part]);
}

/**
 * The value and attribute name of one letter (SER's fmt2strar case), as text: a log line and a
 * table row show a display name like "Jürgen" as its UTF-8 bytes spell it (RFC 3261 §7.3.1),
 * not byte by byte. Throws on an unknown letter.
 */
export function field(src: AccSource, letter: string): Field {
  const f = byteField(src, letter);
  return { name: f.name, value: dbText(f.value) };
}

/** One field as the message's bytes have it (a byte string). */
function byteField(src: AccSource, letter: string): Field {
  const m = src.msg;
  const name = ATTR_NAMES[letter];
  switch (letter) {
    case 'c':
      return { name: name!, value: orNa(attempt(() => m.callId)) };
    case 'd':
      return { name: name!, value: orNa(attempt(() => src.toMsg.to.tag)) };
    case 'f':
      return { name: name!, value: orNa(attempt(() => m.value(m.from.header))) };
    case 'i':
      return { name: name!, value: m.ruri };
    case 'm':
      return { name: name!, value: m.method };
    case 'o':
      return { name: name!, value: src.newUri ?? m.ruri };
    case 'r':
      return { name: name!, value: orNa(attempt(() => m.from.tag)) };
    case 's':
      return { name: name!, value: src.phrase };
    case 't':
      return { name: name!, value: orNa(attempt(() => src.toMsg.value(src.toMsg.to.header))) };
    case 'u':
      return { name: name!, value: orNa(src.authorized?.user) };
    case 'p':
      return { name: name!, value: orNa(attempt(() => m.uri.user)) };
    case 'D':
      return { name: name!, value: orNa(attempt(() => m.uri.host)) };
    case '0':
      return { name: name!, value: orNa(uriPart(attempt(() => m.from.uri), 'user')) };
    case 'X':
      return { name: name!, value: orNa(uriPart(attempt(() => m.from.uri), 'host')) };
    case '1':
      return { name: name!, value: orNa(uriPart(attempt(() => m.to.uri), 'user')) };
    case 'U':
      if (src.authorized?.user) return { name: 'uid', value: src.authorized.user };
      return { name: 'fromuri', value: orNa(attempt(() => m.from.uri)) };
    case 'F':
      return { name: name!, value: orNa(attempt(() => m.from.uri)) };
    case 'T':
      return { name: name!, value: orNa(attempt(() => m.to.uri)) };
    case 'S':
      return { name: name!, value: /^\d{3}/.test(src.phrase) ? src.phrase.slice(0, 3) : NA };
    case 'n':
      return { name: name!, value: orNa(attempt(() => String(m.cseq.seq))) };
    default:
      throw new Error(`acc: unknown field '${letter}'`);
  }
}

/** The fields of `fmt`, in its order. */
export function fields(src: AccSource, fmt: string): Field[] {
  const out: Field[] = [];
  for (const letter of fmt) out.push(field(src, letter));
  return out;
}
