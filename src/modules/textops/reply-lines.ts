import type { RequestContext } from '../../script/context.js';

/**
 * append_to_reply(text): header lines for every reply the server itself makes for this request
 * (SER's add_lump_rpl: sl_send_reply, t_reply, tm's 100/408/487..., the registrar's 200, auth
 * challenges). They live in the request's context and are added by the core's reply builder;
 * calling it twice adds the lines twice, in call order. Returns true.
 */
export function appendToReply(ctx: RequestContext, lines: readonly string[]): number {
  ctx.replyHeaders.push(...lines);
  return 1;
}
