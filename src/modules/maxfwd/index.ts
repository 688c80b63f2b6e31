import { endOfHeaders } from '../../sip/proxy/stateless.js';
import type { RequestContext } from '../../script/context.js';
import { defineModule, REQUEST_ROUTE } from '../../script/module-api.js';
import { argInt } from '../../script/values.js';

/**
 * SER's mf_process_maxfwd_header(n) (maxfwd.c): with no Max-Forwards header, add one with value
 * n and continue; with 0, return false (the script answers 483, RFC 3261 §16.3 step 3);
 * otherwise decrement it (RFC 3261 §16.6 step 3) and continue. A malformed header is left alone.
 */
export function processMaxFwd(ctx: RequestContext, initial: number): number {
  const msg = ctx.msg;
  ctx.maxFwdProcessed = true;
  const h = msg.header('max-forwards');
  if (!h) {
    // SER put it before the first header; after the last one keeps our Via on top
    ctx.edits.insert(endOfHeaders(msg), `Max-Forwards: ${initial}\r\n`);
    return 1;
  }
  let mf: number | undefined;
  try {
    mf = msg.maxForwards;
  } catch {
    return 1;
  }
  if (mf === undefined) return 1;
  if (mf === 0) return -1;
  ctx.edits.replace(h.valueStart, h.valueEnd, String(mf - 1));
  return 1;
}

export default defineModule<null>({
  name: 'maxfwd',
  doc: 'Max-Forwards checking and decrementing (RFC 3261 §16.3 step 3, §16.6 step 3)',
  params: {},
  functions: {
    mf_process_maxfwd_header: {
      arities: [1],
      routes: REQUEST_ROUTE,
      fixup: (args, fx) => argInt(args, 0, fx, 'max_forwards value', 0, 255),
      run: (_s, ctx, initial) => processMaxFwd(ctx, initial as number),
      doc: 'mf_process_maxfwd_header("10"): false if Max-Forwards is 0; else decrement it, or add it with the given value',
    },
  },
  create: () => null,
});
