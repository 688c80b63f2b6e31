import type { Value } from '../../script/ast.js';
import { MAX_FLAG } from '../../script/core-config.js';
import { defineModule, FAILURE_ROUTE, REQUEST_ROUTE, type FixupContext, type ParamValue } from '../../script/module-api.js';
import { argString } from '../../script/values.js';
import { usrlocOf } from '../usrloc/index.js';
import { DEFAULT_RETRY_AFTER, registrarConfig, type RegistrarState } from './config.js';
import { lookup } from './lookup.js';
import { save } from './save.js';

export { aorOf, MAX_AOR_LEN, type AorOptions } from './aor.js';
export { DEFAULT_RETRY_AFTER, registrarConfig, type RegistrarConfig, type RegistrarState } from './config.js';
export { lookup } from './lookup.js';
export { cseqCheck, processRegister, requestAor, save } from './save.js';

// The tables named in save()/lookup() calls, per loaded configuration: the fixups run when the
// script is checked, before create() builds the state; both see the same parameter object of
// this module, so create() registers with usrloc every table the script uses (as SER's
// domain_fixup did), and `ul_stats` lists them before the first REGISTER.
const scriptTables = new WeakMap<object, Set<string>>();

function tableArg(args: readonly Value[], fx: FixupContext): string {
  const name = argString(args, 0);
  if (name.trim() === '') throw fx.error(0, 'the table name must not be empty', 'the usual table is "location"');
  let set = scriptTables.get(fx.params);
  if (!set) scriptTables.set(fx.params, (set = new Set()));
  set.add(name);
  return name;
}

const zeroOrOne = (v: ParamValue): string | undefined => (v === 0 || v === 1 ? undefined : `must be 0 or 1, not ${v}`);
const nonNegative = (v: ParamValue): string | undefined => (Number(v) >= 0 ? undefined : `must not be negative, not ${v}`);

/**
 * The registrar (SER's registrar module, RFC 3261 §10.3): save() stores the bindings of a
 * REGISTER in a usrloc table and answers it; lookup() turns a request for an address of record
 * into requests for its registered contacts.
 */
export default defineModule<RegistrarState>({
  name: 'registrar',
  doc: 'REGISTER processing and user location lookup over usrloc tables (SER registrar module; RFC 3261 §10.3)',
  depends: ['usrloc'],
  params: {
    default_expires: {
      type: 'int',
      default: 3600,
      check: nonNegative,
      doc: 'seconds a binding lasts when the REGISTER gives neither an expires parameter nor an Expires header',
    },
    default_q: {
      type: 'int',
      default: 0,
      check: (v) => (Number(v) >= -1 && Number(v) <= 1000 ? undefined : `must be between -1 and 1000 (q in thousandths; -1: none), not ${v}`),
      doc: 'q of a contact that has none, in thousandths (500 is q=0.5); -1: no q (left out of replies, tried last)',
    },
    append_branches: {
      type: 'int',
      default: 1,
      check: zeroOrOne,
      doc: '1: lookup() adds every other valid contact to the destination set; 0: only the best one is used',
    },
    use_domain: {
      type: 'int',
      default: 0,
      check: zeroOrOne,
      doc: "1: the address of record is user@domain (so is it when usrloc's use_domain is 1)",
    },
    case_sensitive: {
      type: 'int',
      default: 0,
      check: zeroOrOne,
      doc: '1: the user part of the address of record keeps its case; 0: it is lower-cased (the domain always is)',
    },
    desc_time_order: {
      type: 'int',
      default: 0,
      check: zeroOrOne,
      doc: "1: a refreshed contact moves to the front, so lookup() tries the most recently registered first (so does usrloc's desc_time_order)",
    },
    nat_flag: {
      type: 'int',
      default: 4,
      check: (v) => (Number(v) >= 0 && Number(v) <= MAX_FLAG ? undefined : `must be a flag number 0..${MAX_FLAG}, not ${v}`),
      doc: 'the flag that marks a REGISTER from behind a NAT (its contacts are remembered so) and that lookup() sets when it picks such a contact',
    },
    min_expires: {
      type: 'int',
      default: 0,
      check: nonNegative,
      doc: 'shortest registration accepted, in seconds: a REGISTER asking for less (and less than an hour) is answered 423 with Min-Expires; 0: no minimum',
    },
    retry_after: {
      type: 'int',
      default: DEFAULT_RETRY_AFTER,
      check: nonNegative,
      doc: 'seconds in the Retry-After of the 500 sent when the database cannot store a registration (usrloc db_mode 1 and 3); 0: no Retry-After',
    },
    max_expires: {
      type: 'int',
      default: 0,
      check: nonNegative,
      doc: 'longest registration granted, in seconds: longer ones are shortened; 0: no maximum',
    },
  },
  functions: {
    save: {
      arities: [1],
      routes: REQUEST_ROUTE,
      fixup: tableArg,
      run: (st, ctx, table) => save(st, ctx, table as string, true),
      doc: 'save("location"): store the bindings of a REGISTER in the table and answer it (200 with the current bindings, or the error)',
    },
    save_noreply: {
      arities: [1],
      routes: REQUEST_ROUTE,
      fixup: tableArg,
      run: (st, ctx, table) => save(st, ctx, table as string, false),
      doc: 'save_noreply("location"): like save(), without sending a reply',
    },
    lookup: {
      arities: [1],
      routes: REQUEST_ROUTE | FAILURE_ROUTE,
      fixup: tableArg,
      run: (st, ctx, table) => lookup(st, ctx, table as string),
      doc: 'lookup("location"): replace the Request-URI with the best registered contact of its user (the others become branches); false when there is none',
    },
  },
  create: (core, p) => {
    const ul = usrlocOf(core);
    if (!ul) throw new Error("registrar: module 'usrloc' must be loaded before 'registrar'");
    for (const name of scriptTables.get(p) ?? []) ul.registerTable(name);
    const st: RegistrarState = { ul, cfg: registrarConfig(p, ul), log: core.log };
    // usrloc's management commands form addresses of record as save() and lookup() do
    ul.aorOptions = { useDomain: st.cfg.useDomain, caseSensitive: st.cfg.caseSensitive };
    // db_mode 1 and 2: the tables are loaded from the database before the first message
    return ul.loadPending ? ul.ready().then(() => st) : st;
  },
});
