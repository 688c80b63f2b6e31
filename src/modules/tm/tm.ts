import { randomBytes } from 'node:crypto';
import type { SipMessage } from '../../sip/parser/message.js';
import { parseUri } from '../../sip/parser/uri.js';
import { buildForwardedRequest, MAGIC_COOKIE, stripFirstVia, viaLine } from '../../sip/proxy/stateless.js';
import { ClientTransaction } from '../../sip/transaction/client-tx.js';
import type { Hop, TxEnv } from '../../sip/transaction/env.js';
import { clientKey, serverKey } from '../../sip/transaction/keys.js';
import { ServerTransaction, type ServerTxOwner } from '../../sip/transaction/server-tx.js';
import { RealTimers, type TimerService } from '../../sip/transaction/timers.js';
import type { ReceiveInfo, SocketInfo } from '../../sip/transport/socket-info.js';
import type { Target } from '../../sip/transport/resolver.js';
import {
  forwardRequest,
  hopForUri,
  maxForwardsPlan,
  outboundTop,
  replyLocally,
  resolveHop,
  type FixedTarget,
  type Hop as NextHop,
} from '../../script/actions/forward.js';
import type { RequestContext } from '../../script/context.js';
import type { Core } from '../../script/core-api.js';
import { MAX_BRANCHES } from '../../script/core-config.js';
import { detach } from '../../util/strings.js';
import { FAILURE_ROUTE, REQUEST_ROUTE, type ActionResult } from '../../script/module-api.js';
import { E_BAD_ADDRESS, E_BAD_REQ, E_NO_SOCKET, E_SEND, E_UNSPEC } from '../../script/ser-error.js';
import { Branch, Cell, type BranchFinal, type CellEvents, type CellKind } from './cell.js';
import { buildCancel } from './hop-by-hop.js';
import { pickBest } from './pick.js';
import { TmStats } from './stats.js';

export interface TmParams {
  /** SER's fr_timer, seconds: final response timer (Timer B/F of our client transactions) */
  fr_timer: number;
  /** SER's fr_inv_timer, seconds: time an INVITE may ring once a provisional came (RFC 3261 Timer C) */
  fr_inv_timer: number;
  /** live transactions above which new ones are refused with 503 (memory bound) */
  max_transactions: number;
  /** RFC 3261 Table 4 base timers, milliseconds */
  t1: number;
  t2: number;
  t4: number;
}

/** Failure routes per transaction: serial forking needs a few; a route that re-arms itself must not spin. */
const MAX_FAILURE_RUNS = MAX_BRANCHES;

/** The target `t_relay()` uses: the current URI (or the destination URI) of each branch. */
const URI_TARGET: FixedTarget = { host: { kind: 'uri' }, port: { kind: 'uri' } };

/** A final outcome of a transaction, for completion hooks (accounting). */
export interface Completion {
  cell: Cell;
  status: number;
  /** the request with the script's results (flags, URI), parsed again on demand */
  request(): RequestContext | undefined;
  /** the response sent upstream when it came from downstream */
  response: SipMessage | undefined;
  local: boolean;
}

/**
 * SER's tm: the transaction tables, stateful forwarding with parallel and serial forking
 * (RFC 3261 §16), CANCEL (§9, §16.10), local replies kept for retransmission, and a local UAC.
 */
export class Tm implements TxEnv, CellEvents {
  readonly timers: TimerService;
  readonly t1: number;
  readonly t2: number;
  readonly t4: number;
  readonly server = new Map<string, ServerTransaction>();
  readonly client = new Map<string, ClientTransaction>();
  readonly stats = new TmStats();
  private readonly completionHooks: ((c: Completion) => void)[] = [];
  /** every branch we create starts with this: magic cookie and a per-start salt (RFC 3261 §8.1.1.7) */
  readonly branchPrefix: string;
  private nextId = 1;
  private readonly frMs: number;
  private readonly frInvMs: number;
  private readonly maxTransactions: number;
  private lastFullLog = -Infinity;
  /** owner of the CANCEL server and client transactions, which belong to no cell */
  private readonly standalone: ServerTxOwner & import('../../sip/transaction/client-tx.js').ClientTxOwner;

  constructor(
    readonly core: Core,
    params: TmParams,
    timers: TimerService = new RealTimers(),
  ) {
    this.timers = timers;
    this.t1 = params.t1;
    this.t2 = params.t2;
    this.t4 = params.t4;
    this.frMs = params.fr_timer * 1000;
    this.frInvMs = params.fr_inv_timer * 1000;
    this.maxTransactions = params.max_transactions;
    this.branchPrefix = MAGIC_COOKIE + randomBytes(4).toString('hex');
    this.standalone = {
      onServerTerminated: (tx) => this.forgetServer(tx),
      onClientResponse: () => {},
      onClientTimeout: () => {},
      onClientTerminated: (tx) => this.forgetClient(tx),
      buildAck: () => undefined,
    };
  }

  /** Register a function called once per transaction when its final response is decided. */
  onComplete(fn: (c: Completion) => void): void {
    this.completionHooks.push(fn);
  }

  send(buf: Buffer, hop: Hop): boolean {
    return this.core.transport.send(hop.dest, buf, hop.socket, hop.connection);
  }

  // ------------------------------------------------------------ before the script

  /**
   * RFC 3261 §17.2.3: a request matching a server transaction is a retransmission (the last
   * response is re-sent) or the ACK of a non-2xx final response (absorbed); either way the
   * script does not see it. Returns 0 to stop processing, 1 to go on.
   */
  absorb(ctx: RequestContext): number {
    // nothing to match (a stateless script, or an idle proxy): spare building the key
    if (this.server.size === 0) return 1;
    let key: string;
    try {
      key = serverKey(ctx.msg);
    } catch {
      return 1; // headers the key needs do not parse: the script decides
    }
    const tx = this.server.get(key);
    if (!tx) return 1;
    if (ctx.msg.method === 'ACK') return tx.onAck() ? 0 : 1;
    tx.onRetransmission();
    return 0;
  }

  /** After the request route: a transaction the script created but neither answered nor relayed is released. */
  afterScript(ctx: RequestContext): void {
    const cell = ctx.transaction as Cell | undefined;
    if (!cell || cell.kind !== 'proxy' || cell.ctx !== ctx) return;
    if (cell.finalSent || cell.relaying || cell.branches.length) {
      if (!cell.finalSent) cell.compact();
      return;
    }
    this.core.log.warn(`tm: script left a ${cell.method} transaction without reply or relay; released`);
    cell.serverTx?.terminate();
  }

  // ------------------------------------------------------------ creating transactions

  /**
   * Whether the table is full; if so the request is answered 503 with Retry-After (RFC 3261
   * §21.5.4), at most one log line a second.
   */
  private refuseWhenFull(ctx: RequestContext): boolean {
    if (this.stats.current < this.maxTransactions) return false;
    const now = this.timers.now();
    if (now - this.lastFullLog >= 1000) {
      this.lastFullLog = now;
      this.core.log.err(`tm: ${this.stats.current} transactions alive (max_transactions): refusing new ones with 503`);
    }
    if (ctx.msg.method !== 'ACK') void ctx.core.reply(ctx, 503, 'Service Unavailable', ['Retry-After: 5']);
    return true;
  }

  private newCell(kind: CellKind, ctx: RequestContext | undefined, method: string): Cell {
    const cell = new Cell(this, this.nextId++, kind, method, ctx);
    this.stats.current++;
    this.stats.total++;
    if (kind === 'local') this.stats.local++;
    return cell;
  }

  /** The server transaction for `ctx`'s request, and its cell (SER's t_newtran). */
  private newServerCell(ctx: RequestContext, key: string): Cell {
    const msg = ctx.msg;
    const rcv = ctx.rcv;
    const cell = this.newCell('proxy', ctx, msg.method);
    const hop: Hop = { dest: { proto: rcv.proto, ip: rcv.srcIp, port: rcv.srcPort }, socket: rcv.socket, connection: rcv.connection };
    const tx = new ServerTransaction(this, key, msg.method === 'INVITE', rcv.proto === 'tcp', hop, cell);
    cell.serverTx = tx;
    cell.live++;
    this.server.set(key, tx);
    ctx.transaction = cell;
    return cell;
  }

  /**
   * t_newtran(): 1 with a new transaction; 0 for a retransmission (absorbed, the script ends);
   * -1 when this request already has one ("transaction already in process", admin guide §3.2.12).
   */
  newTransaction(ctx: RequestContext): number {
    if (ctx.transaction) {
      this.core.log.err('t_newtran: transaction already in process');
      ctx.serError = E_BAD_REQ;
      return -1;
    }
    const msg = ctx.msg;
    if (msg.method === 'ACK') return this.absorb(ctx) === 0 ? 0 : 1; // an ACK never has a transaction of its own
    const cell = this.openServerCell(ctx);
    return typeof cell === 'number' ? cell : 1;
  }

  /**
   * A new server transaction and cell for `ctx`'s request; or the script's answer instead:
   * 0 for a retransmission (re-answered) or a full table (503), -1 when the key does not parse.
   */
  private openServerCell(ctx: RequestContext): Cell | number {
    let key: string;
    try {
      key = serverKey(ctx.msg);
    } catch {
      ctx.serError = E_BAD_REQ;
      return -1;
    }
    const old = this.server.get(key);
    if (old) {
      old.onRetransmission();
      return 0;
    }
    if (this.refuseWhenFull(ctx)) return 0;
    return this.newServerCell(ctx, key);
  }

  // ------------------------------------------------------------ t_relay

  /**
   * t_relay() and friends: forward statefully to every URI of the destination set (RFC 3261 §16.6),
   * or to `target` for t_relay_to_*. An ACK (for a 2xx: the others were absorbed) goes on statelessly;
   * a CANCEL cancels its INVITE (§16.10). `replicate`: a copy whose responses go nowhere.
   */
  relay(ctx: RequestContext, target: FixedTarget | undefined, proto: 'udp' | 'tcp' | undefined, replicate = false): ActionResult {
    const msg = ctx.msg;
    if (ctx.routeType === FAILURE_ROUTE) {
      const cell = ctx.transaction as Cell | undefined;
      if (!cell || cell.closed || cell.finalSent) {
        this.core.log.err('t_relay: no new branches: the transaction was cancelled, answered or got a 6xx');
        ctx.serError = E_UNSPEC;
        return -1;
      }
      return this.addBranches(cell, ctx, target, proto, false);
    }
    if (msg.method === 'ACK' && !replicate) return forwardRequest(ctx, target ?? URI_TARGET, proto);
    if (msg.method === 'CANCEL' && !replicate) return this.relayCancel(ctx);
    const mf = maxForwardsPlan(ctx);
    if (mf === 0) return replyLocally(ctx, 483, 'Too Many Hops');
    if (replicate) {
      if (this.stats.current >= this.maxTransactions) return -1;
      const cell = this.newCell('replicate', ctx, msg.method);
      return this.addBranches(cell, ctx, target, proto, true);
    }
    let cell = ctx.transaction as Cell | undefined;
    if (!cell) {
      const opened = this.openServerCell(ctx);
      if (typeof opened === 'number') return opened;
      cell = opened;
      if (msg.method === 'INVITE') {
        // RFC 3261 §16.2: a stateful proxy answers 100 to an INVITE at once, which stops the caller's Timer A
        cell.serverTx!.respond(100, this.core.buildReply(ctx, 100, 'trying -- your call is important to us'));
      }
    } else if (cell.finalSent || cell.branches.length) {
      this.core.log.err(`t_relay: the ${msg.method} transaction was already relayed or answered`);
      ctx.serError = E_BAD_REQ;
      return -1;
    }
    cell.failureRoute = ctx.failureRoute;
    return this.addBranches(cell, ctx, target, proto, true);
  }

  /** t_on_failure(n): arm failure_route[n] (for the transaction a failure route is working on, at once). */
  armFailureRoute(ctx: RequestContext, n: number): number {
    ctx.failureRoute = n;
    const cell = ctx.transaction as Cell | undefined;
    if (ctx.routeType === FAILURE_ROUTE && cell) cell.failureRoute = n;
    return 1;
  }

  /**
   * One branch per destination: in a request route the current URI and the appended branches; in a
   * failure route the appended branches, and the current URI only if the failure route changed it.
   * Resolves to 1 when at least one branch left, -1 (serError set) when none did.
   */
  private addBranches(
    cell: Cell,
    ctx: RequestContext,
    target: FixedTarget | undefined,
    proto: 'udp' | 'tcp' | undefined,
    first: boolean,
  ): ActionResult {
    const dests: { uri: string; next: string }[] = [];
    if (first) {
      cell.relayedUri = ctx.newUri;
      cell.relayedDst = ctx.dstUri;
    }
    if (first || ctx.newUri !== cell.relayedUri || ctx.dstUri !== cell.relayedDst) {
      dests.push({ uri: ctx.currentUri, next: ctx.nextHopUri });
    }
    for (const b of ctx.branches) dests.push({ uri: b, next: b });
    ctx.branches = [];
    if (dests.length === 0) {
      this.core.log.err('t_relay: no destination: append_branch() first in a failure route');
      ctx.serError = E_BAD_ADDRESS;
      return -1;
    }
    const mf = maxForwardsPlan(ctx);
    const plan = mf === 0 ? undefined : mf;
    cell.relaying++;
    let ok = 0;
    const pending: Promise<number>[] = [];
    for (const d of dests) {
      const r = this.startBranch(cell, ctx, d.uri, d.next, target, proto, plan);
      if (typeof r === 'number') ok += r > 0 ? 1 : 0;
      else pending.push(r);
    }
    const finish = (sent: number): number => {
      cell.relaying--;
      if (sent === 0 && first && cell.branches.length === 0) {
        // nothing left: forget the transaction so the script can answer statelessly (sl_reply_error)
        if (cell.kind === 'proxy') cell.serverTx?.terminate();
        else this.maybeFree(cell);
        return -1;
      }
      if (sent === 0) {
        this.checkCompletion(cell);
        return -1;
      }
      this.checkCompletion(cell);
      return 1;
    };
    if (pending.length === 0) return finish(ok);
    return Promise.all(pending).then((rs) => finish(ok + rs.filter((r) => r > 0).length));
  }

  private startBranch(
    cell: Cell,
    ctx: RequestContext,
    uri: string,
    next: string,
    target: FixedTarget | undefined,
    proto: 'udp' | 'tcp' | undefined,
    plan: 'decrement' | 'add' | undefined,
  ): number | Promise<number> {
    let hop: NextHop | undefined;
    if (target && target.host.kind !== 'uri') {
      const host = target.host.kind === 'ip' ? target.host.ip : target.host.name;
      hop = { host, port: target.port.kind === 'port' ? target.port.port : undefined, proto: proto ?? ctx.rcv.proto, secure: false };
    } else {
      hop = hopForUri(ctx, next, proto);
    }
    if (!hop) return -1;
    const h = hop;
    const go = (dest: Target | undefined): number => {
      if (!dest) {
        ctx.serError = E_BAD_ADDRESS;
        return -1;
      }
      if (cell.freed || cell.finalSent || (cell.closed && cell.kind === 'proxy')) return -1;
      const sock = this.core.transport.pickSocket(h.proto, dest.family, ctx.rcv.socket);
      if (!sock) {
        ctx.serError = E_NO_SOCKET;
        this.core.log.err(`t_relay: no ${h.proto} socket for IPv${dest.family} destination ${dest.ip}`);
        return -1;
      }
      const branch = new Branch(cell, detach(uri));
      const id = `${this.branchPrefix}${cell.id.toString(36)}.${cell.branches.length}`;
      const buf = buildForwardedRequest(ctx.msg, ctx.edits, {
        newUri: uri,
        via: viaLine(sock, id),
        maxForwards: plan,
        top: outboundTop(ctx, sock),
      });
      const method = cell.method;
      const tx = new ClientTransaction(this, id, method, buf, { dest: { proto: h.proto, ip: dest.ip, port: dest.port }, socket: sock }, h.proto === 'tcp', branch, {
        timeoutMs: this.frMs,
      });
      branch.tx = tx;
      branch.cancelPending = cell.canceled;
      cell.branches.push(branch);
      cell.live++;
      this.client.set(clientKey(id, method), tx);
      if (!tx.start()) {
        ctx.serError = E_SEND;
        this.core.log.err(`t_relay: could not send to ${h.proto}:${dest.ip}:${dest.port}`);
        return -1;
      }
      this.core.stats.fwdRequests++;
      return 1;
    };
    const dest = resolveHop(this.core, h);
    return dest instanceof Promise ? dest.then(go) : go(dest);
  }

  // ------------------------------------------------------------ CANCEL

  /** RFC 3261 §16.10: answer the CANCEL, then cancel the INVITE's pending branches; 481 when there is no INVITE. */
  private relayCancel(ctx: RequestContext): ActionResult {
    const msg = ctx.msg;
    let invite: ServerTransaction | undefined;
    let key: string;
    try {
      key = serverKey(msg);
      invite = this.server.get(serverKey(msg, 'INVITE'));
    } catch {
      ctx.serError = E_BAD_REQ;
      return -1;
    }
    const cell = invite?.owner as Cell | undefined;
    if (!invite || !cell || !(cell instanceof Cell)) {
      // RFC 3261 §16.10: no response context; the INVITE may have been forwarded statelessly, so
      // the CANCEL follows it statelessly; if it is for us, §9.2: 481
      if (!this.isForUs(ctx)) return forwardRequest(ctx, URI_TARGET, undefined);
      const r = ctx.core.reply(ctx, 481, 'Call/Transaction Does Not Exist');
      return r instanceof Promise ? r.then(() => 0) : 0;
    }
    const rcv = ctx.rcv;
    const hop: Hop = { dest: { proto: rcv.proto, ip: rcv.srcIp, port: rcv.srcPort }, socket: rcv.socket, connection: rcv.connection };
    const tx = new ServerTransaction(this, key, false, rcv.proto === 'tcp', hop, this.standalone);
    this.server.set(key, tx);
    tx.respond(200, this.core.buildReply(ctx, 200, 'canceling'));
    this.cancelCell(cell);
    return 1;
  }

  /** Whether the request's next hop is this server (then nobody else can have its transaction). */
  private isForUs(ctx: RequestContext): boolean {
    try {
      const u = ctx.dstUri ? parseUri(ctx.dstUri) : ctx.currentUriParsed();
      return this.core.myself.isMyself(u.host, u.port);
    } catch {
      return true; // an unusable URI cannot be forwarded: answer it here
    }
  }

  /** Cancel every branch still pending (RFC 3261 §16.10); no new branches after this. */
  cancelCell(cell: Cell): void {
    cell.canceled = true;
    cell.closed = true;
    for (const b of cell.branches) this.cancelBranch(b);
  }

  private cancelBranch(b: Branch): void {
    if (b.final || b.cancelled) return;
    b.cancelled = true;
    // RFC 3261 §9.1: no CANCEL before a provisional response; it leaves when one arrives
    if (b.provisional) this.sendCancel(b);
    else b.cancelPending = true;
  }

  private sendCancel(b: Branch): void {
    b.cancelPending = false;
    const inv = b.tx;
    if (!inv || inv.request.length === 0) return;
    const tx = new ClientTransaction(this, inv.branch, 'CANCEL', buildCancel(inv.request), inv.hop, inv.reliable, this.standalone, {
      timeoutMs: this.frMs,
    });
    this.client.set(clientKey(inv.branch, 'CANCEL'), tx);
    tx.start();
    // RFC 3261 §9.1: without a final response within 64*T1 the INVITE is considered cancelled
    inv.expireIn(64 * this.t1);
  }

  // ------------------------------------------------------------ responses

  /** A response arrived; true when one of our client transactions took it. */
  onResponse(msg: SipMessage, _rcv: ReceiveInfo): boolean {
    const b = msg.via1.branch;
    if (b === undefined || !b.startsWith(this.branchPrefix)) return false;
    const tx = this.client.get(clientKey(b, msg.cseq.method));
    if (!tx) return false; // RFC 3261 §16.7 step 2: no context, forwarded statelessly by the core
    tx.onResponse(msg.status, msg);
    return true;
  }

  branchResponse(b: Branch, msg: SipMessage): void {
    const cell = b.cell;
    const status = msg.status;
    if (status < 200) {
      if (!b.provisional) {
        b.provisional = true;
        if (b.cancelPending) this.sendCancel(b);
      }
      // RFC 3261 §16.7 step 2: Timer C starts with the first provisional and restarts with each
      // one but 100 (SER: fr_inv_timer once the callee rings)
      if (cell.method === 'INVITE' && !b.final && !b.cancelled && (status > 100 || !b.timerC)) {
        b.timerC?.cancel();
        b.timerC = this.timers.set(this.frInvMs, () => this.timerC(b));
      }
      // RFC 3261 §16.7 step 5: 100 is not forwarded; other provisionals are, while no final went up
      if (status > 100 && cell.kind === 'proxy' && !cell.finalSent) cell.serverTx?.respond(status, stripFirstVia(msg));
      return;
    }
    b.timerC?.cancel();
    b.timerC = undefined;
    if (status < 300) {
      // RFC 3261 §16.7 step 5 and 10: a 2xx goes up at once (every one, for an INVITE); the rest are cancelled
      b.final ??= { status, local: false };
      if (cell.kind === 'local') return this.finishLocal(cell, status, msg);
      if (cell.kind !== 'proxy') return this.checkCompletion(cell);
      const firstFinal = !cell.finalSent;
      if (firstFinal || (cell.method === 'INVITE' && cell.finalSent < 300)) cell.serverTx?.respond(status, stripFirstVia(msg));
      else if (cell.method === 'INVITE' && cell.serverTx) {
        // RFC 3261 §16.7 step 5, RFC 6026: a 2xx to an INVITE goes up even after our own final
        // response (a 408 or 487 that crossed it): the caller must be able to ACK and end the call
        this.send(stripFirstVia(msg), cell.serverTx.replyHop);
      }
      if (firstFinal) {
        this.completed(cell, status, msg, false);
        if (cell.method === 'INVITE') for (const o of cell.branches) if (o !== b) this.cancelBranch(o);
      }
      return;
    }
    if (b.final) return; // a late answer after our own timeout: the client transaction ACKs it
    b.final = { status, local: false, msg };
    if (status >= 600 && cell.method === 'INVITE') {
      cell.closed = true;
      for (const o of cell.branches) if (o !== b) this.cancelBranch(o);
    }
    this.checkCompletion(cell);
  }

  /** Timer B/F, or the request could not be sent: the branch counts as 408 (RFC 3261 §16.7 step 2 / §8.1.3.1). */
  branchTimeout(b: Branch, transportError: boolean): void {
    b.timerC?.cancel();
    b.timerC = undefined;
    if (b.final) return;
    b.final = { status: transportError ? 503 : 408, local: true };
    this.checkCompletion(b.cell);
  }

  /** RFC 3261 §16.8: Timer C fired; the ringing branch is cancelled and counts as 408. */
  private timerC(b: Branch): void {
    b.timerC = undefined;
    if (b.final) return;
    this.cancelBranch(b); // sends the CANCEL (a provisional came) and bounds the INVITE by 64*T1
    b.final = { status: 408, local: true };
    this.checkCompletion(b.cell);
  }

  /** Once every branch has a final outcome: the failure route, or the best response upstream (§16.7 steps 6-8). */
  private checkCompletion(cell: Cell): void {
    if (cell.finalSent || cell.inFailureRoute || cell.freed || !cell.settled || cell.branches.length === 0) return;
    if (cell.kind === 'local') {
      const i = pickBest(cell.branches.map((b) => b.final!))!;
      const f = cell.branches[i]!.final!;
      return this.finishLocal(cell, f.status, f.msg);
    }
    if (cell.kind === 'replicate') {
      const f = cell.branches[pickBest(cell.branches.map((b) => b.final!))!]!.final!;
      return this.completed(cell, f.status, f.msg, f.local);
    }
    const best = cell.branches[pickBest(cell.branches.map((b) => b.final!))!]!.final!;
    const fctx = cell.failureRoute && !cell.canceled && best.status >= 300 ? cell.context(FAILURE_ROUTE) : undefined;
    if (fctx && ++cell.failureRuns > MAX_FAILURE_RUNS) {
      this.core.log.err(`tm: failure routes ran ${MAX_FAILURE_RUNS} times for one ${cell.method}; not again (does it re-arm itself?)`);
    } else if (fctx) {
      const n = cell.failureRoute;
      cell.failureRoute = 0;
      const route = this.core.scriptRoute('failure', n);
      if (route) {
        cell.inFailureRoute = true;
        let r: number | Promise<number>;
        try {
          r = route(fctx);
        } catch (e) {
          this.core.log.err(`failure_route[${n}] failed: ${(e as Error).stack ?? e}`);
          r = -1;
        }
        const after = () => {
          cell.inFailureRoute = false;
          this.checkCompletion(cell);
        };
        if (typeof r === 'number') after();
        else
          r.catch((e: unknown) => this.core.log.err(`failure_route[${n}] failed: ${(e as Error).stack ?? e}`)).finally(after);
        return;
      }
    }
    this.sendBest(cell);
  }

  private sendBest(cell: Cell): void {
    const best = cell.branches[pickBest(cell.branches.map((b) => b.final!))!]!.final!;
    if (cell.canceled && best.local) return void this.localFinal(cell, 487, 'Request Terminated');
    if (best.local) {
      if (best.status === 408) return void this.localFinal(cell, 408, 'Request Timeout');
      return void this.localFinal(cell, 500, 'Server Error: could not send to the next hop');
    }
    // RFC 3261 §16.7 step 6: a 503 would make the caller think we are overloaded
    if (best.status === 503) return void this.localFinal(cell, 500, 'Server Error');
    cell.serverTx?.respond(best.status, stripFirstVia(best.msg!, this.otherChallenges(cell, best)));
    this.completed(cell, best.status, best.msg, false);
  }

  /**
   * RFC 3261 §16.7 step 7: a 401 or 407 chosen goes up with the WWW-Authenticate and
   * Proxy-Authenticate header fields of every other 401 and 407 the branches got, so that the
   * caller can answer all the challenges at once.
   */
  private otherChallenges(cell: Cell, best: BranchFinal): string | undefined {
    if (best.status !== 401 && best.status !== 407) return undefined;
    let out = '';
    for (const b of cell.branches) {
      const m = b.final?.msg;
      if (!m || b.final === best || (m.status !== 401 && m.status !== 407)) continue;
      for (const h of m.headers) {
        if (h.name === 'www-authenticate' || h.name === 'proxy-authenticate') out += m.head.slice(h.start, h.end);
      }
    }
    return out || undefined;
  }

  /** A final reply of our own through the server transaction (t_reply, 408, 487, 500). */
  localFinal(cell: Cell, status: number, reason: string, ctx = cell.context(REQUEST_ROUTE), headers?: readonly string[]): boolean {
    const tx = cell.serverTx;
    if (!tx || !ctx) return false;
    const sent = tx.respond(status, this.core.buildReply(ctx, status, reason, headers));
    if (status >= 200) {
      this.stats.repliedLocally++;
      this.completed(cell, status, undefined, true);
      for (const b of cell.branches) this.cancelBranch(b);
    }
    return sent;
  }

  private completed(cell: Cell, status: number, response: SipMessage | undefined, local: boolean): void {
    if (cell.finalSent) return;
    cell.finalSent = status;
    this.stats.complete(status);
    this.stats.waiting++;
    if (this.completionHooks.length) {
      const c: Completion = { cell, status, request: () => cell.context(REQUEST_ROUTE), response, local };
      for (const h of this.completionHooks) {
        try {
          h(c);
        } catch (e) {
          this.core.log.err(`tm completion callback failed: ${(e as Error).stack ?? e}`);
        }
      }
    }
    cell.release(); // the request is no longer needed: memory goes back early
  }

  private finishLocal(cell: Cell, status: number, msg: SipMessage | undefined): void {
    if (cell.finalSent) return;
    cell.finalSent = status;
    this.stats.complete(status);
    this.stats.waiting++;
    const f = cell.onFinal;
    cell.onFinal = undefined;
    f?.(status, msg);
  }

  // ------------------------------------------------------------ t_reply

  /** t_reply(code, reason): a reply kept for retransmissions (SER tm). */
  reply(ctx: RequestContext, status: number, reason: string, headers?: readonly string[]): number {
    const cell = ctx.transaction as Cell | undefined;
    if (!cell || !cell.serverTx) {
      this.core.log.err('t_reply: cannot send a t_reply to a message for which no T-state has been established');
      ctx.serError = E_BAD_REQ;
      return -1;
    }
    if (cell.finalSent && !(status < 300 && cell.finalSent < 300 && cell.method === 'INVITE')) {
      this.core.log.err(`t_reply: the transaction was already answered with ${cell.finalSent}`);
      ctx.serError = E_BAD_REQ;
      return -1;
    }
    if (status < 200) return cell.serverTx.respond(status, this.core.buildReply(ctx, status, reason, headers)) ? 1 : -1;
    return this.localFinal(cell, status, reason, ctx, headers) ? 1 : -1;
  }

  // ------------------------------------------------------------ local UAC

  /**
   * Originate a request (SER's t_uac): `request` is complete but for our Via, which is added for
   * the socket chosen. Resolves to the final status and response (408 when nothing answered).
   */
  uac(
    method: string,
    request: (via: string, sock: SocketInfo) => Buffer,
    dest: Target,
    proto: 'udp' | 'tcp',
  ): Promise<{ status: number; msg?: SipMessage }> {
    const cell = this.newCell('local', undefined, method);
    return new Promise((resolve) => {
      cell.onFinal = (status, msg) => resolve({ status, msg });
      const sock = this.core.transport.pickSocket(proto, dest.family);
      if (!sock) {
        this.maybeFree(cell);
        cell.onFinal = undefined;
        this.stats.complete(500);
        return resolve({ status: 500 });
      }
      const id = `${this.branchPrefix}${cell.id.toString(36)}.0`;
      const branch = new Branch(cell, '');
      const tx = new ClientTransaction(this, id, method, request(viaLine(sock, id), sock), { dest: { proto, ip: dest.ip, port: dest.port }, socket: sock }, proto === 'tcp', branch, {
        timeoutMs: this.frMs,
      });
      branch.tx = tx;
      cell.branches.push(branch);
      cell.live++;
      this.client.set(clientKey(id, method), tx);
      tx.start();
    });
  }

  // ------------------------------------------------------------ freeing

  serverTerminated(cell: Cell, tx: ServerTransaction): void {
    this.forgetServer(tx);
    cell.live--;
    this.maybeFree(cell);
  }

  clientTerminated(b: Branch, tx: ClientTransaction): void {
    this.forgetClient(tx);
    b.timerC?.cancel();
    b.timerC = undefined;
    b.cell.live--;
    this.maybeFree(b.cell);
  }

  private forgetServer(tx: ServerTransaction): void {
    if (this.server.get(tx.key) === tx) this.server.delete(tx.key);
  }

  private forgetClient(tx: ClientTransaction): void {
    const k = clientKey(tx.branch, tx.method);
    if (this.client.get(k) === tx) this.client.delete(k);
  }

  private maybeFree(cell: Cell): void {
    if (cell.freed || cell.live > 0 || cell.relaying > 0) return;
    cell.freed = true;
    this.stats.current--;
    if (cell.finalSent) this.stats.waiting--;
    cell.release();
  }

  /** Stop everything (server shutdown): no timer may fire afterwards. */
  shutdown(): void {
    for (const tx of [...this.server.values()]) tx.terminate();
    for (const tx of [...this.client.values()]) tx.terminate();
  }

  /** Which route types may relay (t_relay in request and failure routes). */
  static readonly RELAY_ROUTES = REQUEST_ROUTE | FAILURE_ROUTE;
}
