import { IpNet, normalizeIp } from '../util/ip.js';
import { compilePosixRegex } from '../util/posix-regex.js';
import type { Call, Compare, Expr, RouteKind, Stmt, Value } from './ast.js';
import { ConfigError } from './config-error.js';
import type { RequestContext } from './context.js';
import { ROUTE_MAX_REC_LEV } from './core-config.js';
import { BREAK_WORDS, ConfigErrors, forEachLeaf, type LoadedConfig } from './load-config.js';
import type { ActionResult } from './module-api.js';
import { E_UNSPEC } from './ser-error.js';
import { text } from './values.js';

// The script compiled into closures (ARCHITECTURE: "resolve at start-up, never per message").
// A statement is (ctx) => number | Promise<number>: SER's return convention, >0 continue/true,
// <0 false, 0 leave the route block. Everything stays synchronous until some action really
// goes asynchronous (DNS, later databases); only then does the rest of the block continue in
// a promise continuation.

export type StmtFn = (ctx: RequestContext) => ActionResult;

/** SER's EXPR_DROP: an action in a condition returned 0, so the whole route block ends. */
export const EXPR_DROP = -127;

/** Expression results: 1 true, 0 false, EXPR_DROP. */
type ExprFn = (ctx: RequestContext) => number | Promise<number>;

export interface CompiledScript {
  /** run route[index] of the given kind; undefined when not defined */
  route(kind: RouteKind, index: number): StmtFn | undefined;
}

export interface CompileOptions {
  /** module states by module name, plus 'core' */
  states: ReadonlyMap<string, unknown>;
  /** resolve host names used in src_ip/dst_ip comparisons, once at start-up */
  lookupHost?: (name: string) => Promise<string[]>;
}

export async function compileScript(cfg: LoadedConfig, opts: CompileOptions): Promise<CompiledScript> {
  const errors: ConfigError[] = [];
  const tables: Record<RouteKind, Map<number, StmtFn>> = {
    request: new Map(),
    failure: new Map(),
    onreply: new Map(),
    branch: new Map(),
  };
  // host names in src_ip/dst_ip comparisons, resolved before compiling
  const hostAddrs = new Map<string, string[]>();
  for (const blocks of Object.values(cfg.routes)) {
    for (const blk of blocks.values()) collectHosts(blk.body, hostAddrs);
  }
  await Promise.all(
    [...hostAddrs.keys()].map(async (name) => {
      const addrs = opts.lookupHost ? await opts.lookupHost(name).catch(() => []) : [];
      hostAddrs.set(name, addrs);
    }),
  );

  const c = new Compiler(cfg, opts.states, tables.request, hostAddrs, errors);
  for (const kind of ['request', 'failure'] as const) {
    for (const [n, blk] of cfg.routes[kind]) tables[kind].set(n, c.block(blk.body));
  }
  if (errors.length) throw new ConfigErrors(errors, cfg.source);
  return {
    route: (kind, index) => tables[kind].get(index),
  };
}

function isThenable(r: ActionResult): r is Promise<number> {
  return typeof r !== 'number';
}

const IP_OPERANDS = new Set(['src_ip', 'dst_ip']);

/** Host names compared with src_ip/dst_ip, to resolve once before compiling. */
function collectHosts(stmts: readonly Stmt[], out: Map<string, string[]>): void {
  forEachLeaf(stmts, (e) => {
    if (e.type !== 'cmp' || !IP_OPERANDS.has(e.lhs) || (e.op !== '==' && e.op !== '!=') || e.rhs.kind !== 'word') return;
    const t = e.rhs.text;
    if (t !== 'myself' && !IpNet.parse(t) && /^[A-Za-z]/.test(t)) out.set(t.toLowerCase(), []);
  });
}

/** ASCII case-insensitive equality; `lower` is already lower-case (SER compares with strcasecmp). */
function eqNoCase(s: string, lower: string): boolean {
  if (s.length !== lower.length) return false;
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c >= 65 && c <= 90) c += 32;
    if (c !== lower.charCodeAt(i)) return false;
  }
  return true;
}

class Compiler {
  constructor(
    private readonly cfg: LoadedConfig,
    private readonly states: ReadonlyMap<string, unknown>,
    private readonly requestRoutes: Map<number, StmtFn>,
    private readonly hostAddrs: Map<string, string[]>,
    private readonly errors: ConfigError[],
  ) {}

  /** A sequence: stops at the first 0, returns the last result (SER's run_actions). */
  block(stmts: readonly Stmt[]): StmtFn {
    const fns = stmts.map((s) => this.stmt(s));
    const n = fns.length;
    if (n === 0) return () => 1;
    if (n === 1) return fns[0]!;
    const run = (ctx: RequestContext, from: number): ActionResult => {
      let ret = 1;
      for (let i = from; i < n; i++) {
        const r = fns[i]!(ctx);
        if (isThenable(r)) {
          return r.then((v) => (v === 0 ? 0 : i + 1 < n ? run(ctx, i + 1) : v));
        }
        if (r === 0) return 0;
        ret = r;
      }
      return ret;
    };
    return (ctx) => run(ctx, 0);
  }

  stmt(s: Stmt): StmtFn {
    switch (s.type) {
      case 'break':
        return () => 0;
      case 'block':
        return this.block(s.body);
      case 'call':
        return this.call(s);
      case 'if': {
        const cond = this.expr(s.cond);
        const thenFn = s.then.length ? this.block(s.then) : undefined;
        const elseFn = s.else && s.else.length ? this.block(s.else) : undefined;
        // SER's IF_T: a DROP from the condition ends the block; otherwise the branch's result,
        // or 1 when there is no branch to run.
        const pick = (ctx: RequestContext, v: number): ActionResult =>
          v === EXPR_DROP ? 0 : v > 0 ? (thenFn ? thenFn(ctx) : 1) : elseFn ? elseFn(ctx) : 1;
        return (ctx) => {
          const v = cond(ctx);
          return typeof v === 'number' ? pick(ctx, v) : v.then((x) => pick(ctx, x));
        };
      }
    }
  }

  call(c: Call): StmtFn {
    if (BREAK_WORDS.has(c.name)) return () => 0;
    if (c.name === 'route') return this.routeCall(Number(text(c.args[0]!)));
    const b = this.cfg.bound.get(c);
    if (!b) {
      // load-config reported the error already; keep compiling the rest
      return () => E_UNSPEC;
    }
    const run = b.spec.run;
    const fixed = b.fixed;
    const state = this.states.get(b.owner);
    return (ctx) => {
      // SER resets ser_error before every action and keeps the previous one for sl_reply_error
      ctx.prevSerError = ctx.serError;
      ctx.serError = E_UNSPEC;
      return run(state, ctx, fixed);
    };
  }

  /** route(n): run route[n]; its 0 (break) only ends that block, the caller continues (SER). */
  routeCall(n: number): StmtFn {
    const table = this.requestRoutes;
    const log = (ctx: RequestContext) => ctx.core.log.err(`too many recursive routing table lookups (${ctx.depth}), giving up`);
    const done = (ctx: RequestContext, r: number) => {
      ctx.depth--;
      return r < 0 ? r : 1;
    };
    return (ctx) => {
      if (ctx.depth >= ROUTE_MAX_REC_LEV) {
        log(ctx);
        return E_UNSPEC;
      }
      const fn = table.get(n);
      if (!fn) return 1;
      ctx.depth++;
      const r = fn(ctx);
      return isThenable(r) ? r.then((v) => done(ctx, v)) : done(ctx, r);
    };
  }

  expr(e: Expr): ExprFn {
    switch (e.type) {
      case 'number': {
        const v = e.value > 0 ? 1 : 0;
        return () => v;
      }
      case 'call': {
        const f = this.call(e);
        // SER's eval_elem for actions: >0 true, <0 false, 0 drop
        const conv = (r: number) => (r > 0 ? 1 : r === 0 ? EXPR_DROP : 0);
        return (ctx) => {
          const r = f(ctx);
          return isThenable(r) ? r.then(conv) : conv(r);
        };
      }
      case 'not': {
        const inner = this.expr(e.expr);
        const neg = (v: number) => (v < 0 ? v : v ? 0 : 1);
        return (ctx) => {
          const v = inner(ctx);
          return typeof v === 'number' ? neg(v) : v.then(neg);
        };
      }
      case 'and':
      case 'or': {
        const l = this.expr(e.left);
        const r = this.expr(e.right);
        // SER's eval_expr: AND stops unless the left is exactly true, OR unless exactly false
        const stop = e.type === 'and' ? 1 : 0;
        return (ctx) => {
          const v = l(ctx);
          if (typeof v === 'number') return v !== stop ? v : r(ctx);
          return v.then((x) => (x !== stop ? x : r(ctx)));
        };
      }
      case 'cmp':
        return this.compare(e);
    }
  }

  private fail(v: Value | Compare, message: string, hint?: string): ExprFn {
    this.errors.push(new ConfigError(message, v.loc, hint));
    return () => 0;
  }

  /** Table 2-1 comparisons. */
  compare(e: Compare): ExprFn {
    const negate = e.op === '!=' || e.op === '!~';
    const test = this.test(e);
    if (!test) return () => 0;
    return negate ? (ctx) => (test(ctx) ? 0 : 1) : (ctx) => (test(ctx) ? 1 : 0);
  }

  private regex(v: Value): RegExp | undefined {
    try {
      return compilePosixRegex(text(v));
    } catch (err) {
      this.fail(v, `bad regular expression: ${(err as Error).message}`, 'regular expressions are POSIX extended, as in SER, e.g. "^sip:[0-9]+@"');
      return undefined;
    }
  }

  private test(e: Compare): ((ctx: RequestContext) => boolean) | undefined {
    const isMatch = e.op === '=~' || e.op === '!~';
    const rhs = e.rhs;
    const rt = text(rhs);
    const isMyself = rhs.kind === 'word' && rt === 'myself';
    switch (e.lhs) {
      case 'method': {
        if (isMyself) return void this.fail(rhs, "'myself' can only be compared with uri, src_ip or dst_ip");
        if (isMatch) {
          const re = this.regex(rhs);
          return re && ((ctx) => re.test(ctx.msg.method));
        }
        const lower = rt.toLowerCase();
        return (ctx) => eqNoCase(ctx.msg.method, lower);
      }
      case 'uri': {
        if (isMyself) {
          if (isMatch) return void this.fail(rhs, "'myself' is compared with ==, not =~");
          return (ctx) => {
            let u;
            try {
              u = ctx.currentUriParsed();
            } catch {
              return false;
            }
            return u.host !== '' && ctx.core.myself.isMyself(u.host, u.port, u.scheme === 'sips');
          };
        }
        if (isMatch) {
          const re = this.regex(rhs);
          return re && ((ctx) => re.test(ctx.currentUri));
        }
        const lower = rt.toLowerCase();
        return (ctx) => eqNoCase(ctx.currentUri, lower);
      }
      case 'src_ip':
      case 'dst_ip': {
        const get = e.lhs === 'src_ip' ? (ctx: RequestContext) => ctx.rcv.srcIp : (ctx: RequestContext) => ctx.rcv.socket.address;
        if (isMyself) {
          if (isMatch) return void this.fail(rhs, "'myself' is compared with ==, not =~");
          return (ctx) => ctx.core.myself.isMyAddress(get(ctx));
        }
        if (isMatch) {
          const re = this.regex(rhs);
          return re && ((ctx) => re.test(get(ctx)));
        }
        if (rhs.kind === 'string') {
          // Quoted: compared as text (SER's comp_str); an IP in quotes still matches its address.
          const ip = normalizeIp(rt);
          const lower = rt.toLowerCase();
          return ip ? (ctx) => get(ctx) === ip : (ctx) => eqNoCase(get(ctx), lower);
        }
        const net = IpNet.parse(rt);
        if (net) return (ctx) => net.contains(get(ctx));
        const addrs = this.hostAddrs.get(rt.toLowerCase());
        if (!addrs) return void this.fail(rhs, `'${rt}' is not an IP address, IP/mask, host name or myself`);
        if (addrs.length === 0) {
          this.cfg.warnings.push(new ConfigError(`host name '${rt}' did not resolve; the comparison is never true`, rhs.loc, undefined, 'warning'));
        }
        const set = new Set(addrs.map((a) => normalizeIp(a) ?? a));
        return (ctx) => set.has(get(ctx));
      }
      case 'src_port':
      case 'dst_port': {
        const get = e.lhs === 'src_port' ? (ctx: RequestContext) => ctx.rcv.srcPort : (ctx: RequestContext) => ctx.rcv.socket.port;
        if (isMatch) {
          const re = this.regex(rhs);
          return re && ((ctx) => re.test(String(get(ctx))));
        }
        if (!/^\d{1,5}$/.test(rt)) return void this.fail(rhs, `'${rt}' is not a port number`);
        const port = Number(rt);
        return (ctx) => get(ctx) === port;
      }
      case 'proto': {
        const p = rt.toLowerCase();
        if (p !== 'udp' && p !== 'tcp' && p !== 'tls' && p !== 'sctp') return void this.fail(rhs, `'${rt}' is not a protocol`, 'use udp or tcp');
        return (ctx) => ctx.rcv.proto === p;
      }
      case 'af': {
        const f = rt.toLowerCase() === 'inet' ? 4 : rt.toLowerCase() === 'inet6' ? 6 : 0;
        if (!f) return void this.fail(rhs, `'${rt}' is not an address family`, 'use inet or inet6');
        return (ctx) => ctx.rcv.socket.family === f;
      }
    }
  }
}
