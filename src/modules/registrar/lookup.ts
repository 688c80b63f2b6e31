// lookup(table): replace the Request-URI with the registered contacts of the address of record
// it names (SER registrar's lookup.c). The AOR comes from the current Request-URI (after any
// rewriting in the script), as save() built it from the To URI. The first valid contact in the
// record's order (highest q; or most recent with desc_time_order) becomes the Request-URI, whole
// (SER 0.8's rewrite_uri: nothing of the old URI is kept); with append_branches the others are
// added to the destination set, as long as there is room (MAX_BRANCHES).

import type { RequestContext } from '../../script/context.js';
import type { ActionResult } from '../../script/module-api.js';
import type { URecord } from '../usrloc/urecord.js';
import { MAX_BRANCHES } from '../../script/core-config.js';
import { E_TOO_MANY_BRANCHES } from '../../script/ser-error.js';
import { FL_NAT } from '../usrloc/ucontact.js';
import { aorOf } from './aor.js';
import type { RegistrarState } from './config.js';
import { errorText } from '../../util/error-text.js';

/**
 * 1 when the Request-URI was replaced; -1 when the AOR has no valid contact (or no AOR). Never
 * throws. With usrloc's db_mode 3 the record is read from the database: a promise (-1 when the
 * database cannot be read).
 */
export function lookup(st: RegistrarState, ctx: RequestContext, tableName: string): ActionResult {
  try {
    const a = aorFor(st, ctx);
    if (a === undefined) return -1;
    if (st.ul.dbMode !== 3) return apply(st, ctx, tableName, a, st.ul.registerTable(tableName).get(a));
    return st.ul.fetchRecord(tableName, a).then(
      (rec) => apply(st, ctx, tableName, a, rec),
      (e: unknown) => {
        st.log.err(`lookup(): ${errorText(e)}`);
        return -1;
      },
    );
  } catch (e) {
    st.log.err(`lookup(): ${errorText(e)}`);
    return -1;
  }
}

function aorFor(st: RegistrarState, ctx: RequestContext): string | undefined {
  let uri;
  try {
    uri = ctx.currentUriParsed();
  } catch {
    st.log.dbg(`lookup(): cannot parse the Request-URI ${ctx.currentUri}`);
    return undefined;
  }
  const a = aorOf(uri, st.cfg);
  return 'error' in a ? undefined : a.aor;
}

function apply(st: RegistrarState, ctx: RequestContext, tableName: string, aor: string, rec: URecord | undefined): number {
  try {
    return run(st, ctx, tableName, aor, rec);
  } catch (e) {
    st.log.err(`lookup(): ${errorText(e)}`);
    return -1;
  }
}

function run(st: RegistrarState, ctx: RequestContext, tableName: string, aor: string, rec: URecord | undefined): number {
  const { cfg, ul } = st;
  const a = { aor };
  if (!rec) {
    st.log.dbg(`lookup(): '${a.aor}' not found in ${tableName}`);
    return -1;
  }
  const valid = rec.validContacts(ul.now());
  if (valid.length === 0) return -1;

  let nat = valid[0]!.flags & FL_NAT;
  ctx.newUri = valid[0]!.uri;
  if (cfg.appendBranches) {
    for (let i = 1; i < valid.length; i++) {
      // SER's MAX_BRANCHES counts the Request-URI too
      if (ctx.branches.length + 1 >= MAX_BRANCHES) {
        ctx.serError = E_TOO_MANY_BRANCHES;
        st.log.err(`lookup(): too many branches (max ${MAX_BRANCHES}); ${valid.length - i} contact(s) of '${a.aor}' left out`);
        break;
      }
      ctx.branches.push(valid[i]!.uri);
      nat |= valid[i]!.flags & FL_NAT;
    }
  }
  if (nat) ctx.flags = (ctx.flags | (1 << cfg.natFlag)) >>> 0;
  return 1;
}
