import { fixTarget, type FixedTarget } from '../../script/actions/forward.js';
import { defineModule, FAILURE_ROUTE, REQUEST_ROUTE, type ParamSpec } from '../../script/module-api.js';
import { argInt, fixStatusReason, type StatusReason } from '../../script/values.js';
import { registerTmCommands } from './rpc.js';
import { Tm } from './tm.js';

// The tm state of each server, for modules loaded after tm that register completion hooks (acc).
const tms = new WeakMap<object, Tm>();

/** The tm state of the server `core` belongs to, or undefined when tm is not loaded. */
export function tmOf(core: object): Tm | undefined {
  return tms.get(core);
}

const RELAY = REQUEST_ROUTE | FAILURE_ROUTE;

const positive = (v: number | string) => (typeof v === 'number' && v > 0 ? undefined : 'must be a positive number');

function seconds(def: number, doc: string): ParamSpec {
  return { type: 'int', default: def, check: positive, doc };
}

function relayTo(proto: 'udp' | 'tcp') {
  return {
    arities: [2],
    routes: RELAY,
    fixup: fixTarget,
    run: (tm: Tm, ctx: import('../../script/context.js').RequestContext, t: unknown) => tm.relay(ctx, t as FixedTarget, proto),
    doc: `t_relay_to_${proto}("10.0.0.1", "5060"): like t_relay(), but every branch goes to that host and port over ${proto.toUpperCase()}`,
  };
}

export default defineModule<Tm>({
  name: 'tm',
  singleProcess: true,
  doc: 'transaction management: stateful forwarding, forking, CANCEL, failure routes, stateful replies (RFC 3261 §16, §17)',
  params: {
    fr_timer: seconds(30, 'seconds to wait for a final response, or for the first provisional one of an INVITE (Timer B/F)'),
    fr_inv_timer: seconds(120, 'seconds an INVITE may ring once a provisional response came (RFC 3261 Timer C); then it is cancelled and counts as 408'),
    max_transactions: {
      type: 'int',
      default: 200_000,
      check: positive,
      doc: 'live transactions above which new requests get 503 with Retry-After instead of a transaction (bounds memory: see docs/benchmarks.md for bytes per transaction)',
    },
    t1: { type: 'int', default: 500, check: positive, doc: 'RFC 3261 T1 in milliseconds (RTT estimate; retransmission intervals start here)' },
    t2: { type: 'int', default: 4000, check: positive, doc: 'RFC 3261 T2 in milliseconds (longest retransmission interval)' },
    t4: { type: 'int', default: 5000, check: positive, doc: 'RFC 3261 T4 in milliseconds (how long a message may stay in the network: Timers I and K)' },
  },
  functions: {
    t_relay: {
      arities: [0],
      routes: RELAY,
      run: (tm, ctx) => tm.relay(ctx, undefined, undefined),
      doc: 't_relay(): forward statefully to every URI of the destination set; in failure_route to the branches appended there',
    },
    t_relay_to_udp: relayTo('udp'),
    t_relay_to_tcp: relayTo('tcp'),
    t_on_failure: {
      arities: [1],
      routes: RELAY,
      fixup: (args, fx) => {
        const n = argInt(args, 0, fx, 'failure_route number', 1, 1000);
        if (!fx.hasRoute('failure', n)) throw fx.error(0, `failure_route[${n}] is not defined`, `add failure_route[${n}] { ... } to the script`);
        return n;
      },
      run: (tm, ctx, n) => tm.armFailureRoute(ctx, n as number),
      doc: 't_on_failure("1"): when the transaction would end with a final response >= 300 or a timeout, run failure_route[1] first',
    },
    t_newtran: {
      arities: [0],
      routes: REQUEST_ROUTE,
      run: (tm, ctx) => tm.newTransaction(ctx),
      doc: 't_newtran(): create the transaction now; a retransmission ends the script here, its last reply re-sent',
    },
    t_reply: {
      arities: [2],
      routes: RELAY,
      fixup: fixStatusReason,
      run: (tm, ctx, f) => {
        const { status, reason } = f as StatusReason;
        return tm.reply(ctx, status, reason);
      },
      doc: 't_reply("404", "Not Found"): reply statefully (kept and re-sent for retransmissions); needs t_newtran() or t_relay() first',
    },
    t_replicate: {
      arities: [2],
      routes: REQUEST_ROUTE,
      fixup: fixTarget,
      run: (tm, ctx, t) => tm.relay(ctx, t as FixedTarget, undefined, true),
      doc: 't_replicate("backup.foo.bar", "5060"): send a copy statefully to that host; its responses are not relayed',
    },
  },
  hooks: {
    preScript: (tm, ctx) => tm.absorb(ctx),
    postScript: (tm, ctx) => tm.afterScript(ctx),
    onResponse: (tm, msg, rcv) => tm.onResponse(msg, rcv),
  },
  create: (core, p) => {
    const tm = new Tm(core, {
      fr_timer: p.fr_timer as number,
      fr_inv_timer: p.fr_inv_timer as number,
      max_transactions: p.max_transactions as number,
      t1: p.t1 as number,
      t2: p.t2 as number,
      t4: p.t4 as number,
    });
    tms.set(core, tm);
    // t_stats, t_hash, t_uac_dlg (fake cores of unit tests have no registry)
    if (core.rpc) registerTmCommands(core.rpc, tm);
    return tm;
  },
  destroy: (tm) => tm.shutdown(),
});
