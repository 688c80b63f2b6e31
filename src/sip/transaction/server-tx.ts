import type { Hop, TxEnv } from './env.js';
import type { Timer } from './timers.js';

// RFC 3261 §17.2: the server transaction, INVITE (Figure 7) and non-INVITE (Figure 8), with the
// Accepted state of RFC 6026 §7.1 so that INVITE retransmissions arriving after a 2xx are absorbed
// instead of being taken for new requests.

export const enum ServerState {
  Trying = 1,
  Proceeding,
  Completed,
  Confirmed,
  Accepted,
  Terminated,
}

export interface ServerTxOwner {
  /** the transaction is over: forget it */
  onServerTerminated(tx: ServerTransaction): void;
  /** Timer H fired: no ACK came for a final non-2xx response (RFC 3261 §17.2.1) */
  onAckTimeout?(tx: ServerTransaction): void;
}

export class ServerTransaction {
  state: ServerState;
  /** the last response sent, re-sent for request retransmissions */
  lastResponse: Buffer | undefined = undefined;
  lastStatus = 0;
  private retrans: Timer | undefined = undefined;
  private retransInterval = 0;
  private timeout: Timer | undefined = undefined;

  constructor(
    private readonly env: TxEnv,
    readonly key: string,
    readonly invite: boolean,
    /** reliable transport (TCP): no retransmissions, zero-length I/J timers */
    readonly reliable: boolean,
    /** where responses go (RFC 3261 §18.2.2) */
    readonly replyHop: Hop,
    readonly owner: ServerTxOwner,
  ) {
    // RFC 3261 §17.2.1: an INVITE server transaction starts in Proceeding; §17.2.2: non-INVITE in Trying
    this.state = invite ? ServerState.Proceeding : ServerState.Trying;
  }

  /** Whether a response may still be sent (a final one not yet, or more 2xx after a 2xx to an INVITE). */
  get open(): boolean {
    return this.state === ServerState.Trying || this.state === ServerState.Proceeding || this.state === ServerState.Accepted;
  }

  /**
   * Send a response through the transaction (the TU's response, RFC 3261 §17.2.1/§17.2.2).
   * Returns false when the state no longer allows it or the transport failed.
   */
  respond(status: number, buf: Buffer): boolean {
    const s = this.state;
    if (s === ServerState.Accepted) {
      // RFC 6026 §8.6: 2xx retransmissions from the TU pass; nothing else does
      return status >= 200 && status < 300 && this.env.send(buf, this.replyHop);
    }
    if (s !== ServerState.Trying && s !== ServerState.Proceeding) return false;
    const sent = this.env.send(buf, this.replyHop);
    this.lastStatus = status;
    if (status < 200) {
      this.lastResponse = buf;
      this.state = ServerState.Proceeding;
      return sent;
    }
    if (this.invite) {
      if (status < 300) {
        // RFC 6026 §8.5: Accepted, Timer L = 64*T1; the 2xx itself is not kept (the UAS core retransmits it)
        this.lastResponse = undefined;
        this.state = ServerState.Accepted;
        this.timeout = this.env.timers.set(64 * this.env.t1, () => this.terminate());
        return sent;
      }
      // RFC 3261 §17.2.1: Completed; Timer G (unreliable only) and Timer H
      this.lastResponse = buf;
      this.state = ServerState.Completed;
      if (!this.reliable) {
        this.retransInterval = this.env.t1;
        this.retrans = this.env.timers.set(this.retransInterval, () => this.timerG());
      }
      this.timeout = this.env.timers.set(64 * this.env.t1, () => this.timerH());
      return sent;
    }
    // RFC 3261 §17.2.2: Completed; Timer J = 64*T1 for unreliable transports, zero for reliable
    this.lastResponse = buf;
    this.state = ServerState.Completed;
    if (this.reliable) this.terminate();
    else this.timeout = this.env.timers.set(64 * this.env.t1, () => this.terminate());
    return sent;
  }

  /** A retransmission of the request arrived: re-send the last response (RFC 3261 §17.2.1, §17.2.2). */
  onRetransmission(): void {
    const s = this.state;
    if ((s === ServerState.Proceeding || s === ServerState.Completed) && this.lastResponse) {
      this.env.send(this.lastResponse, this.replyHop);
    }
  }

  /**
   * An ACK matched this INVITE transaction. Returns true when the transaction absorbed it (the
   * ACK for a non-2xx final response); false when it is the end-to-end ACK for a 2xx, which the
   * TU (the proxy core) must handle.
   */
  onAck(): boolean {
    const s = this.state;
    if (s === ServerState.Completed) {
      // RFC 3261 §17.2.1: Confirmed; Timer I = T4 for unreliable transports, zero for reliable
      this.retrans?.cancel();
      this.retrans = undefined;
      this.timeout?.cancel();
      this.state = ServerState.Confirmed;
      if (this.reliable) this.terminate();
      else this.timeout = this.env.timers.set(this.env.t4, () => this.terminate());
      return true;
    }
    return s === ServerState.Confirmed || s === ServerState.Terminated;
  }

  private timerG(): void {
    if (this.state !== ServerState.Completed || !this.lastResponse) return;
    this.env.send(this.lastResponse, this.replyHop);
    this.retransInterval = Math.min(2 * this.retransInterval, this.env.t2);
    this.retrans = this.env.timers.set(this.retransInterval, () => this.timerG());
  }

  private timerH(): void {
    if (this.state !== ServerState.Completed) return;
    this.owner.onAckTimeout?.(this);
    this.terminate();
  }

  /** Stop every timer and tell the owner; safe to call more than once. */
  terminate(): void {
    if (this.state === ServerState.Terminated) return;
    this.state = ServerState.Terminated;
    this.retrans?.cancel();
    this.timeout?.cancel();
    this.retrans = this.timeout = undefined;
    this.lastResponse = undefined;
    this.owner.onServerTerminated(this);
  }
}
