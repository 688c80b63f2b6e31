import type { SipMessage } from '../parser/message.js';
import { TIMER_D_UDP, type Hop, type TxEnv } from './env.js';
import type { Timer } from './timers.js';

// RFC 3261 §17.1: the client transaction, INVITE (Figure 5) and non-INVITE (Figure 6), with the
// Accepted state of RFC 6026 §7.2 so that 2xx retransmissions still reach the proxy core.

const EMPTY = Buffer.alloc(0);

export const enum ClientState {
  /** INVITE: Calling; non-INVITE: Trying */
  Calling = 1,
  Proceeding,
  Completed,
  Accepted,
  Terminated,
}

export interface ClientTxOwner {
  /** a response the TU must see (RFC 3261 §17.1.1.2, §17.1.2.2) */
  onClientResponse(tx: ClientTransaction, msg: SipMessage): void;
  /** Timer B or F fired, or the request could not be sent (RFC 3261 §8.1.3.1: treat as 408/503) */
  onClientTimeout(tx: ClientTransaction, transportError: boolean): void;
  onClientTerminated(tx: ClientTransaction): void;
  /** the ACK for a non-2xx final response to an INVITE (RFC 3261 §17.1.1.3) */
  buildAck(request: Buffer, response: SipMessage): Buffer | undefined;
}

export interface ClientTxOptions {
  /** Timer B / F (default 64*T1); a proxy uses its final-response timer here (SER's fr_timer) */
  timeoutMs?: number;
}

export class ClientTransaction {
  state = ClientState.Calling;
  /** the ACK sent for a non-2xx final response, re-sent for its retransmissions */
  private ack: Buffer | undefined = undefined;
  private retrans: Timer | undefined = undefined;
  private retransInterval = 0;
  private timeout: Timer | undefined = undefined;
  readonly invite: boolean;

  constructor(
    private readonly env: TxEnv,
    /** the branch of our Via: this transaction's identity (RFC 3261 §17.1.3) */
    readonly branch: string,
    readonly method: string,
    /** the request as sent; released once no retransmission can need it */
    public request: Buffer,
    readonly hop: Hop,
    readonly reliable: boolean,
    readonly owner: ClientTxOwner,
    private readonly opts: ClientTxOptions = {},
  ) {
    this.invite = method === 'INVITE';
  }

  /** Send the request and start Timer A/E (unreliable only) and Timer B/F. Returns false if the send failed. */
  start(): boolean {
    if (!this.env.send(this.request, this.hop)) {
      this.owner.onClientTimeout(this, true);
      this.terminate();
      return false;
    }
    const env = this.env;
    if (!this.reliable) {
      this.retransInterval = env.t1;
      this.retrans = env.timers.set(env.t1, () => this.retransmit());
    }
    this.timeout = env.timers.set(this.opts.timeoutMs ?? 64 * env.t1, () => this.timedOut());
    return true;
  }

  /** Timer A (INVITE: doubles every time) or Timer E (non-INVITE: doubles up to T2; T2 once Proceeding). */
  private retransmit(): void {
    const s = this.state;
    if (s !== ClientState.Calling && !(s === ClientState.Proceeding && !this.invite)) return;
    this.env.send(this.request, this.hop);
    if (this.invite) this.retransInterval *= 2;
    else this.retransInterval = s === ClientState.Proceeding ? this.env.t2 : Math.min(2 * this.retransInterval, this.env.t2);
    this.retrans = this.env.timers.set(this.retransInterval, () => this.retransmit());
  }

  /** Timer B (INVITE, in Calling) or Timer F (non-INVITE, in Trying or Proceeding). */
  private timedOut(): void {
    const s = this.state;
    if (s === ClientState.Calling || (!this.invite && s === ClientState.Proceeding)) {
      this.owner.onClientTimeout(this, false);
      this.terminate();
    }
  }

  /** A response matched this transaction (RFC 3261 §17.1.3). */
  onResponse(status: number, msg: SipMessage): void {
    const s = this.state;
    if (s === ClientState.Terminated) return;
    if (this.invite) {
      if (s === ClientState.Completed) {
        // RFC 3261 §17.1.1.2: a retransmitted final response gets the ACK again, and stops there
        if (status >= 300 && this.ack) this.env.send(this.ack, this.hop);
        return;
      }
      if (s === ClientState.Accepted) {
        // RFC 6026 §8.4: further 2xx go to the TU; anything else is dropped
        if (status >= 200 && status < 300) this.owner.onClientResponse(this, msg);
        return;
      }
      if (status < 200) {
        if (s === ClientState.Calling) {
          this.state = ClientState.Proceeding;
          this.retrans?.cancel();
          this.retrans = undefined;
          // Timer B only guards Calling (Figure 5)
          this.timeout?.cancel();
          this.timeout = undefined;
        }
        this.owner.onClientResponse(this, msg);
        return;
      }
      const request = this.request;
      this.stopTimers();
      if (status < 300) {
        // RFC 6026 §7.2: Accepted, Timer M = 64*T1
        this.state = ClientState.Accepted;
        this.timeout = this.env.timers.set(64 * this.env.t1, () => this.terminate());
        this.owner.onClientResponse(this, msg);
        return;
      }
      // RFC 3261 §17.1.1.3: ACK hop by hop; Completed; Timer D (> 32 s unreliable, 0 reliable)
      this.state = ClientState.Completed;
      this.ack = this.owner.buildAck(request, msg);
      if (this.ack) this.env.send(this.ack, this.hop);
      this.owner.onClientResponse(this, msg);
      if (this.reliable) this.terminate();
      else if (this.state === ClientState.Completed) this.timeout = this.env.timers.set(TIMER_D_UDP, () => this.terminate());
      return;
    }
    // non-INVITE (Figure 6)
    if (s === ClientState.Completed) return;
    if (status < 200) {
      this.state = ClientState.Proceeding;
      this.owner.onClientResponse(this, msg);
      return;
    }
    this.stopTimers();
    this.state = ClientState.Completed;
    this.owner.onClientResponse(this, msg);
    // Timer K: T4 for unreliable transports, zero for reliable
    if (this.reliable) this.terminate();
    else if (this.state === ClientState.Completed) this.timeout = this.env.timers.set(this.env.t4, () => this.terminate());
  }

  /**
   * Give up waiting after `ms` (RFC 3261 §9.1: a cancelled INVITE with no final response after
   * 64*T1 is considered done); the owner sees a timeout.
   */
  expireIn(ms: number): void {
    if (this.state !== ClientState.Calling && this.state !== ClientState.Proceeding) return;
    this.timeout?.cancel();
    this.timeout = this.env.timers.set(ms, () => {
      if (this.state !== ClientState.Calling && this.state !== ClientState.Proceeding) return;
      this.owner.onClientTimeout(this, false);
      this.terminate();
    });
  }

  private stopTimers(): void {
    this.request = EMPTY;
    this.retrans?.cancel();
    this.timeout?.cancel();
    this.retrans = this.timeout = undefined;
  }

  terminate(): void {
    if (this.state === ClientState.Terminated) return;
    this.state = ClientState.Terminated;
    this.stopTimers();
    this.ack = undefined;
    this.owner.onClientTerminated(this);
  }
}
