import type { SipMessage } from '../../sip/parser/message.js';
import { ClientTransaction, type ClientTxOwner } from '../../sip/transaction/client-tx.js';
import type { ServerTransaction, ServerTxOwner } from '../../sip/transaction/server-tx.js';
import type { Timer } from '../../sip/transaction/timers.js';
import type { RequestContext, RequestSnapshot } from '../../script/context.js';
import { REQUEST_ROUTE } from '../../script/module-api.js';
import { buildAck } from './hop-by-hop.js';
import type { FinalOutcome } from './pick.js';

// The state tm keeps for one request (SER's "cell"): the server transaction towards the caller
// and one branch, each with its client transaction, per destination forked to (RFC 3261 §16.6).

/** What the cell's owner (the tm module) does with events from its transactions. */
export interface CellEvents {
  branchResponse(b: Branch, msg: SipMessage): void;
  branchTimeout(b: Branch, transportError: boolean): void;
  serverTerminated(cell: Cell, tx: ServerTransaction): void;
  clientTerminated(b: Branch, tx: ClientTransaction): void;
}

export type CellKind = 'proxy' | 'local' | 'replicate';

export interface BranchFinal extends FinalOutcome {
  msg?: SipMessage;
}

export class Branch implements ClientTxOwner {
  tx: ClientTransaction | undefined = undefined;
  /** a provisional response came: a CANCEL may be sent (RFC 3261 §9.1) */
  provisional = false;
  /** cancelled before any provisional: the CANCEL goes out when one arrives */
  cancelPending = false;
  cancelled = false;
  final: BranchFinal | undefined = undefined;
  /** RFC 3261 §16.6 step 11, Timer C (SER's fr_inv_timer), once a provisional arrived */
  timerC: Timer | undefined = undefined;

  constructor(
    readonly cell: Cell,
    /** the Request-URI this branch was sent to (for accounting and logs) */
    readonly uri: string,
  ) {}

  onClientResponse(_tx: ClientTransaction, msg: SipMessage): void {
    this.cell.events.branchResponse(this, msg);
  }
  onClientTimeout(_tx: ClientTransaction, transportError: boolean): void {
    this.cell.events.branchTimeout(this, transportError);
  }
  onClientTerminated(tx: ClientTransaction): void {
    this.cell.events.clientTerminated(this, tx);
  }
  buildAck(request: Buffer, response: SipMessage): Buffer | undefined {
    return buildAck(request, response);
  }
}

export class Cell implements ServerTxOwner {
  serverTx: ServerTransaction | undefined = undefined;
  /** the request route's context while the script runs ... */
  ctx: RequestContext | undefined;
  /** ... then put aside until the final response, for failure routes and local replies */
  snap: RequestSnapshot | undefined = undefined;
  /** the Request-URI and destination URI the first branches were made from */
  relayedUri: string | undefined = undefined;
  relayedDst: string | undefined = undefined;
  readonly branches: Branch[] = [];
  /** failure_route to run when the best final response is >= 300 (0: none) */
  failureRoute = 0;
  /** status of the final response sent upstream (0: none yet) */
  finalSent = 0;
  /** a CANCEL arrived (RFC 3261 §16.10) */
  canceled = false;
  /** a 6xx arrived or a CANCEL: no new branches (RFC 3261 §16.7 step 5, §16.10) */
  closed = false;
  /** branches being created (t_relay in progress, maybe waiting for DNS) */
  relaying = 0;
  inFailureRoute = false;
  /** failure routes run so far (bounded) */
  failureRuns = 0;
  /** transactions (server and client) still alive; the cell is freed at 0 */
  live = 0;
  freed = false;
  /** local UAC: called with the final outcome */
  onFinal: ((status: number, msg: SipMessage | undefined) => void) | undefined = undefined;

  constructor(
    readonly events: CellEvents,
    readonly id: number,
    readonly kind: CellKind,
    readonly method: string,
    ctx: RequestContext | undefined,
  ) {
    this.ctx = ctx;
  }

  onServerTerminated(tx: ServerTransaction): void {
    this.events.serverTerminated(this, tx);
  }

  /** A context over the cell's request for `routeType` (undefined once the request was let go). */
  context(routeType: number): RequestContext | undefined {
    if (this.ctx) return routeType === REQUEST_ROUTE ? this.ctx : this.ctx.fork(routeType);
    return this.snap?.restore(routeType);
  }

  /** Keep only the snapshot of the request (the script is done with it). */
  compact(): void {
    if (!this.ctx) return;
    this.snap = this.ctx.snapshot();
    this.ctx = undefined;
  }

  /** Let the request go: the final response is decided. */
  release(): void {
    this.ctx = undefined;
    this.snap = undefined;
  }

  /** Every branch has a final outcome and none is being created. */
  get settled(): boolean {
    if (this.relaying) return false;
    for (const b of this.branches) if (!b.final) return false;
    return true;
  }
}
