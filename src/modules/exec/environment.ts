// The environment of a program started by exec_msg/exec_dset (guide §4.1, SER's exec_hf.c):
//   SIP_HF_<NAME>  every header field: the name upper-cased, every character other than a letter
//                  or digit turned into '_' (Max-Forwards -> SIP_HF_MAX_FORWARDS); compact forms
//                  under their full name (f -> SIP_HF_FROM). Several fields of one name: their
//                  values joined by ',' in message order, as SER did (HF_SEPARATOR). Call-ID is
//                  also given as SIP_HF_CALLID, the spelling of the guide's listing.
//   SIP_TID        transaction token (transaction-token.ts)
//   SIP_DID        dialog id: the To tag, empty in a request that creates a dialog
//   SIP_SRCIP      the address the request came from (and SRCIP, Example 2-20's name)
//   SIP_RURI       the current Request-URI (after rewriting), SIP_USER its user part
//   SIP_ORURI      the Request-URI as received, SIP_OUSER its user part
// Values are one line (folding unfolded), without NUL, as the bytes arrived (os-string.ts).

import type { RequestContext } from '../../script/context.js';
import { parseUri } from '../../sip/parser/uri.js';
import { osString, unfold } from './os-string.js';
import { transactionToken } from './transaction-token.js';
import { restoreExtraCaCerts } from '../../util/extra-ca-certs.js';

export const HF_PREFIX = 'SIP_HF_';

/** The environment variable of a header field name (canonical or as written). */
export function headerVarName(name: string): string {
  return HF_PREFIX + name.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

/** SIP_HF_* for every header field of the request. */
export function headerVars(ctx: RequestContext): Record<string, string> {
  const msg = ctx.msg;
  const joined = new Map<string, string[]>();
  for (const h of msg.headers) {
    const v = unfold(msg.head.slice(h.valueStart, h.valueEnd));
    const list = joined.get(h.name);
    if (list) list.push(v);
    else joined.set(h.name, [v]);
  }
  const out: Record<string, string> = {};
  for (const [name, values] of joined) {
    const v = osString(values.join(','));
    out[headerVarName(name)] = v;
    if (name === 'call-id') out[HF_PREFIX + 'CALLID'] = v;
  }
  return out;
}

function userOf(uri: string): string | undefined {
  try {
    return parseUri(uri).user ?? '';
  } catch {
    return undefined;
  }
}

/** SIP_TID, SIP_DID, SIP_SRCIP, SRCIP, SIP_RURI, SIP_USER, SIP_ORURI, SIP_OUSER. */
export function fixedVars(ctx: RequestContext): Record<string, string> {
  const msg = ctx.msg;
  let did = '';
  try {
    did = msg.to.tag ?? '';
  } catch {
    did = '';
  }
  const out: Record<string, string> = {
    SIP_TID: transactionToken(msg),
    SIP_DID: osString(did),
    SIP_SRCIP: ctx.rcv.srcIp,
    SRCIP: ctx.rcv.srcIp,
    SIP_RURI: osString(ctx.currentUri),
    SIP_ORURI: osString(msg.ruri),
  };
  // as SER: the user variables are left out when the URI does not parse
  const user = userOf(ctx.currentUri);
  if (user !== undefined) out.SIP_USER = osString(user);
  const ouser = userOf(msg.ruri);
  if (ouser !== undefined) out.SIP_OUSER = osString(ouser);
  return out;
}

/**
 * The whole environment of a child: the server's own, then the request's variables (with
 * `setvars` 0 only SRCIP and SIP_SRCIP). Stale SIP_* variables of the server's environment are
 * dropped, so that a child never sees a value that is not this request's; NODE_EXTRA_CA_CERTS is
 * as the user set it (util/extra-ca-certs.ts).
 */
export function childEnvironment(ctx: RequestContext, setvars: boolean, base: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) {
    if (v === undefined || k.startsWith('SIP_') || k === 'SRCIP') continue;
    env[k] = v;
  }
  restoreExtraCaCerts(env);
  if (setvars) {
    Object.assign(env, headerVars(ctx), fixedVars(ctx));
  } else {
    env.SRCIP = ctx.rcv.srcIp;
    env.SIP_SRCIP = ctx.rcv.srcIp;
  }
  return env;
}
