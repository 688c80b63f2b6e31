import type { TcpConnection } from '../transport/tcp.js';
import type { Destination, SocketInfo } from '../transport/socket-info.js';
import type { TimerService } from './timers.js';

/** Where a transaction sends: the address, and the socket or TCP connection to use when known. */
export interface Hop {
  readonly dest: Destination;
  readonly socket?: SocketInfo;
  readonly connection?: TcpConnection;
}

/** What a transaction needs from the world: a clock, the RFC 3261 §17 timer bases, and a way to send. */
export interface TxEnv {
  readonly timers: TimerService;
  /** RFC 3261 Table 4: RTT estimate, 500 ms */
  readonly t1: number;
  /** maximum retransmit interval for non-INVITE requests and INVITE responses, 4 s */
  readonly t2: number;
  /** maximum duration a message remains in the network, 5 s */
  readonly t4: number;
  send(buf: Buffer, hop: Hop): boolean;
}

/** RFC 3261 Table 4, Timer D: "> 32 s for UDP". */
export const TIMER_D_UDP = 32_000;
