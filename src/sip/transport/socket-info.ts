import type { TcpConnection } from './tcp.js';

export type Proto = 'udp' | 'tcp';

/** One listening socket of the server (SER's `struct socket_info`). */
export interface SocketInfo {
  readonly id: number;
  readonly proto: Proto;
  /** the IP address bound, normalised (no brackets) */
  readonly address: string;
  readonly port: number;
  readonly family: 4 | 6;
  /** the name given in `listen` (a host name or the IP text) */
  readonly name: string;
  /** host put in our Via and Record-Route: advertised_address, or the address ([v6] in brackets) */
  readonly viaHost: string;
  /** port put in our Via: advertised_port, or the port */
  readonly viaPort: number;
  /** `viaHost:viaPort`, preformatted for the hot path */
  readonly hostport: string;
}

/** Where a message came from (SER's `struct receive_info`). */
export interface ReceiveInfo {
  readonly proto: Proto;
  readonly srcIp: string;
  readonly srcPort: number;
  /** the local socket that received it (gives dst_ip / dst_port) */
  readonly socket: SocketInfo;
  /** for TCP: the connection it arrived on, so answers go back on it (RFC 3261 §18.2.2) */
  readonly connection?: TcpConnection;
}

/** A place to send to. */
export interface Destination {
  proto: Proto;
  ip: string;
  port: number;
}
