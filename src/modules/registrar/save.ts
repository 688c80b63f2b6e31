// save(table): process a REGISTER (RFC 3261 §10.3; SER registrar's save.c) and answer it
// statelessly.
//
// The request is checked whole before anything changes, so that a REGISTER is applied entirely
// or not at all (§10.3 step 7: "committed if and only if all binding updates and additions
// succeed"): the address of record from the To URI (step 5), `Contact: *` only alone and with
// `Expires: 0` (step 6), every contact URI, q and expiration, then the Call-ID/CSeq rule for the
// bindings the request touches (step 7): a binding with the request's Call-ID and a CSeq not
// lower than the request's means the request is old. Equal CSeq is a retransmission (a stateless
// registrar sees every one): it changes nothing and gets the current bindings again. Lower is an
// out-of-order request: the update is aborted and the request fails, 400.
//
// With usrloc's db_mode 1 (write-through) and 3 (database only) the change is written to the
// database before the reply: save() returns a promise; when the write fails the change is undone
// in memory and the REGISTER is answered 500 with Retry-After (registrar's retry_after), so that
// the UA tries again and memory and database still agree. With db_mode 0 and 2 save() stays
// synchronous (db_mode 2 writes the change with the next flush).

import { statelessReply } from '../sl/index.js';
import type { Contact } from '../../sip/parser/message.js';
import { paramValue } from '../../sip/parser/params.js';
import { parseUri, type SipUri } from '../../sip/parser/uri.js';
import type { RequestContext } from '../../script/context.js';
import type { ActionResult } from '../../script/module-api.js';
import { dbText } from '../../util/strings.js';
import { FL_NAT, type UContact } from '../usrloc/ucontact.js';
import type { UDomain } from '../usrloc/udomain.js';
import type { URecord } from '../usrloc/urecord.js';
import { aorOf } from './aor.js';
import type { RegistrarState } from './config.js';
import { expiresHeader, grantedExpires, requestedExpires } from './expires.js';
import { parseQ } from './q.js';
import { errorReply, okReply, unavailableReply, type RegError, type RegReply } from './reply.js';
import { errorText } from '../../util/error-text.js';

export interface SaveOutcome {
  /** the bindings were (or already are) as the request asked */
  readonly ok: boolean;
  readonly reply: RegReply;
}

class RegisterFailure extends Error {
  constructor(readonly code: RegError) {
    super(code);
  }
}

function fail(code: RegError): never {
  throw new RegisterFailure(code);
}

/** One binding the request asks for. */
interface Wanted {
  readonly uri: string;
  /** seconds granted; 0 removes the binding */
  readonly seconds: number;
  readonly q: number;
}

/**
 * RFC 3261 §10.3 step 7 over the bindings the request touches: 'old' if one has the request's
 * Call-ID and a higher CSeq, else 'retransmission' if one has the same CSeq, else 'ok'.
 */
export function cseqCheck(bindings: Iterable<UContact>, callId: string, cseq: number): 'ok' | 'old' | 'retransmission' {
  let retrans = false;
  for (const b of bindings) {
    if (b.callId !== callId) continue;
    if (cseq < b.cseq) return 'old';
    if (cseq === b.cseq) retrans = true;
  }
  return retrans ? 'retransmission' : 'ok';
}

/** Apply the REGISTER of `ctx` to `table`; the outcome says what to answer. Never throws. */
export function processRegister(st: RegistrarState, ctx: RequestContext, table: UDomain): SaveOutcome {
  try {
    return register(st, ctx, table);
  } catch (e) {
    if (e instanceof RegisterFailure) {
      return { ok: false, reply: errorReply(e.code, st.cfg.minExpires) };
    }
    st.log.err(`save(): ${errorText(e)}`);
    return { ok: false, reply: errorReply('internal') };
  }
}

function register(st: RegistrarState, ctx: RequestContext, table: UDomain): SaveOutcome {
  const { cfg, ul } = st;
  const msg = ctx.msg;

  // §10.3 step 5: the address of record from the To URI
  let toUri: SipUri;
  try {
    toUri = parseUri(msg.to.uri);
  } catch {
    fail(msg.header('to') ? 'aor-parse' : 'to-missing');
  }
  const a = aorOf(toUri, cfg);
  if ('error' in a) fail(a.error === 'no-user' ? 'no-user' : 'aor-too-long');
  const aor = a.aor;

  let callId: string;
  try {
    callId = msg.callId;
  } catch {
    fail('callid-missing');
  }
  let cseq: number;
  try {
    cseq = msg.cseq.seq;
  } catch {
    fail('cseq-missing');
  }

  let contacts: readonly Contact[] | '*';
  try {
    contacts = msg.contacts;
  } catch (e) {
    fail(/'\*'/.test((e as Error).message) ? 'star-contacts' : 'contact-parse');
  }
  const header = expiresHeader(msg);
  const now = ul.now();
  const record = table.get(aor);

  if (contacts === '*') {
    // §10.3 step 6: '*' only with Expires: 0 (and alone, which the parser checked)
    if (header !== 0) fail('star-expires');
    if (record) {
      const v = cseqCheck(record.contacts, callId, cseq);
      if (v === 'old') fail('out-of-order');
      if (v === 'retransmission') return { ok: true, reply: okReply(record.contacts, now) };
      table.delete(aor);
    }
    return { ok: true, reply: okReply([], now) };
  }

  // no Contact: a query for the current bindings (§10.3 step 6, last paragraph)
  if (contacts.length === 0) return { ok: true, reply: okReply(record?.contacts ?? [], now) };

  const wanted: Wanted[] = [];
  for (const c of contacts) {
    try {
      parseUri(c.uri);
    } catch {
      fail('contact-parse');
    }
    const seconds = grantedExpires(requestedExpires(c, header, cfg.defaultExpires), cfg);
    if (seconds === 'too-brief') fail('too-brief');
    let q = cfg.defaultQ;
    const qp = paramValue(c.params, 'q');
    if (qp !== undefined) {
      const v = parseQ(qp);
      if (v === undefined) fail('invalid-q');
      q = v;
    }
    wanted.push({ uri: c.uri, seconds, q });
  }

  if (record) {
    const touched: UContact[] = [];
    for (const w of wanted) {
      const b = record.find(w.uri);
      if (b) touched.push(b);
    }
    const v = cseqCheck(touched, callId, cseq);
    if (v === 'old') fail('out-of-order');
    if (v === 'retransmission') return { ok: true, reply: okReply(record.contacts, now) };
  }

  const rec = apply(st, ctx, table, aor, record, wanted, callId, cseq, now);
  return { ok: true, reply: okReply(rec?.contacts ?? [], now) };
}

/** Commit the bindings; the record afterwards (undefined when none is left). */
function apply(
  st: RegistrarState,
  ctx: RequestContext,
  table: UDomain,
  aor: string,
  record: URecord | undefined,
  wanted: readonly Wanted[],
  callId: string,
  cseq: number,
  now: number,
): URecord | undefined {
  const { cfg } = st;
  const msg = ctx.msg;
  const nat = (ctx.flags >>> cfg.natFlag) & 1 ? FL_NAT : 0;
  const uaField = msg.header('user-agent');
  // the message's bytes as text (TEXT-UTF8, RFC 3261 §25.1): what the location table, serctl ul
  // and serweb show; nothing sends it back into SIP
  const userAgent = uaField ? dbText(msg.value(uaField).trim()) : '';
  const received = { proto: ctx.rcv.proto, ip: ctx.rcv.srcIp, port: ctx.rcv.srcPort };
  const socketId = ctx.rcv.socket.id;
  let rec = record;
  for (const w of wanted) {
    const existing = rec?.find(w.uri);
    if (w.seconds === 0) {
      if (existing) rec!.remove(existing);
      continue;
    }
    const info = {
      expires: now + w.seconds,
      q: w.q,
      callId,
      cseq,
      // SER: the NAT flag follows the latest REGISTER; other flags (permanent) stay
      flags: existing ? (existing.flags & ~FL_NAT) | nat : nat,
      userAgent,
      received,
      socketId,
    };
    rec ??= table.insert(aor);
    if (existing) rec.update(existing, info, now, cfg.descTimeOrder);
    else rec.insert(w.uri, info, now, cfg.descTimeOrder);
  }
  if (rec) {
    table.release(rec);
    // released (taken from the table) when no contact is left
    if (rec.contacts.length === 0) return undefined;
  }
  return rec;
}

/**
 * The address of record of a REGISTER (from the To URI), or undefined when there is none: then
 * processRegister() fails before it changes anything.
 */
export function requestAor(st: RegistrarState, ctx: RequestContext): string | undefined {
  try {
    const a = aorOf(parseUri(ctx.msg.to.uri), st.cfg);
    return 'aor' in a ? a.aor : undefined;
  } catch {
    return undefined;
  }
}

/** When the last "database unavailable" error was logged (ms): one line a second at most during an outage. */
let lastDbErrorLog = 0;
let dbErrorsNotLogged = 0;

/**
 * The script's save(table) / save_noreply(table): 1 when the bindings are as the request asked
 * (and the reply went out), -1 otherwise (the error reply has been sent). A promise when the
 * change must reach the database first (usrloc db_mode 1 and 3).
 */
export function save(st: RegistrarState, ctx: RequestContext, tableName: string, reply: boolean): ActionResult {
  const ul = st.ul;
  const aor = ul.writesThrough ? requestAor(st, ctx) : undefined;
  if (aor === undefined) return answer(st, ctx, processRegister(st, ctx, ul.registerTable(tableName)), reply);
  return ul.change(tableName, aor, (d) => processRegister(st, ctx, d)).then(
    (out) => answer(st, ctx, out, reply),
    (e: unknown) => {
      const now = Date.now();
      if (now - lastDbErrorLog >= 1000) {
        const more = dbErrorsNotLogged ? ` (${dbErrorsNotLogged} more since the last message)` : '';
        st.log.err(`save(): ${errorText(e)}; answering 500 with Retry-After: ${st.cfg.retryAfter}${more}`);
        lastDbErrorLog = now;
        dbErrorsNotLogged = 0;
      } else {
        dbErrorsNotLogged++;
      }
      return answer(st, ctx, { ok: false, reply: unavailableReply(st.cfg.retryAfter) }, reply);
    },
  );
}

function answer(st: RegistrarState, ctx: RequestContext, out: SaveOutcome, reply: boolean): ActionResult {
  if (!reply) return out.ok ? 1 : -1;
  let sent: boolean | Promise<boolean>;
  try {
    sent = statelessReply(ctx, out.reply.status, out.reply.reason, out.reply.headers);
  } catch (e) {
    st.log.err(`save(): error while sending ${out.reply.status}: ${errorText(e)}`);
    return -1;
  }
  if (typeof sent === 'boolean') return sent && out.ok ? 1 : -1;
  return sent.then(
    (s) => (s && out.ok ? 1 : -1),
    () => -1,
  );
}
