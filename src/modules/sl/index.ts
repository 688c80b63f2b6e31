import type { RequestContext } from '../../script/context.js';
import type { Core } from '../../script/core-api.js';
import { defineModule, REQUEST_ROUTE, type ActionResult } from '../../script/module-api.js';
import { errorReply } from '../../script/ser-error.js';
import { fixStatusReason, type StatusReason } from '../../script/values.js';
import { SlStats } from './stats.js';

export interface SlState {
  readonly core: Core;
  readonly stats: SlStats;
}

/**
 * Reply without keeping state (SER's sl module). For a 3xx reply the destination set goes into
 * Contact header fields (SER §2.4: redirection), as SER's print_dset() writes it.
 */
export function slReply(st: SlState, ctx: RequestContext, status: number, reason: string): ActionResult {
  if (ctx.msg.method === 'ACK') {
    // RFC 3261 §17: an ACK is never answered
    st.core.log.warn("sl_send_reply: I won't send a reply for ACK!!");
    return -1;
  }
  const sent = st.core.reply(ctx, status, reason, status >= 300 && status < 400 ? [contactsOf(ctx)] : undefined);
  if (typeof sent === 'boolean') return st.stats.count(status, sent);
  return sent.then((ok) => st.stats.count(status, ok));
}

// The sl state of each server: other modules' stateless replies are counted in sl_stats, as in
// SER, where the registrar and auth replied through sl's API (Example 5-2's 401s are challenges).
const states = new WeakMap<Core, SlState>();

/**
 * A stateless reply from another module (registrar, auth): sent by the core, counted in
 * sl_stats when sl is loaded.
 */
export function statelessReply(ctx: RequestContext, status: number, reason: string, headers?: readonly string[]): boolean | Promise<boolean> {
  const sent = ctx.core.reply(ctx, status, reason, headers);
  const st = states.get(ctx.core);
  if (!st) return sent;
  if (typeof sent === 'boolean') {
    st.stats.count(status, sent);
    return sent;
  }
  return sent.then((ok) => {
    st.stats.count(status, ok);
    return ok;
  });
}

function contactsOf(ctx: RequestContext): string {
  return 'Contact: ' + ctx.destinationSet().map((u) => `<${u}>`).join(', ');
}

export default defineModule<SlState>({
  name: 'sl',
  doc: 'stateless replies (SER sl module)',
  params: {},
  functions: {
    sl_send_reply: {
      arities: [2],
      routes: REQUEST_ROUTE,
      fixup: fixStatusReason,
      run: (st, ctx, f) => {
        const { status, reason } = f as StatusReason;
        return slReply(st, ctx, status, reason);
      },
      doc: 'sl_send_reply("404", "Not Found"): reply statelessly; a 3xx reply lists the destination set in Contact',
    },
    sl_reply_error: {
      arities: [0],
      routes: REQUEST_ROUTE,
      run: (st, ctx) => {
        const e = errorReply(ctx.prevSerError, 'SL');
        return slReply(st, ctx, e.status, e.reason);
      },
      doc: 'sl_reply_error(): reply with the status and text of the error of the previous action',
    },
  },
  create: (core) => {
    const st: SlState = { core, stats: new SlStats() };
    states.set(core, st);
    // fake cores of unit tests have no registry
    core.rpc?.register({
      name: 'sl_stats',
      method: 'sl.stats',
      params: [],
      doc: 'the replies sent statelessly, by code, and those that could not be sent (serctl monitor)',
      run: () => ({ text: st.stats.format(), value: st.stats.snapshot() }),
    });
    return st;
  },
});
