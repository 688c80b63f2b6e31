import type dgram from 'node:dgram';
import type net from 'node:net';
import { ipFamily } from '../../util/ip.js';
import type { Destination, Proto, ReceiveInfo, SocketInfo } from './socket-info.js';
import { TcpConnectionTable, TcpListener, type TcpConnection, type TcpOptions } from './tcp.js';
import { UdpListener } from './udp.js';

export interface TransportOptions extends TcpOptions {
  maxBuffer: number;
}

export type MessageHandler = (buf: Buffer, rcv: ReceiveInfo) => void;

export interface TransportLog {
  err(text: string): void;
  warn(text: string): void;
  dbg(text: string): void;
}

/** Handles already bound by a parent process, passed to a worker (see daemon/workers.ts). */
export interface InheritedHandles {
  udp: Map<number, dgram.Socket>;
  tcp: Map<number, net.Server>;
}

/**
 * The server's sockets: UDP and TCP listeners and the TCP connection table. Receives datagrams
 * and framed stream messages and hands them to one handler; sends on the right socket.
 */
export class TransportLayer {
  readonly udp: UdpListener[] = [];
  /** UDP listeners by socket id, for the send path */
  private readonly udpById: UdpListener[] = [];
  readonly tcpListeners: TcpListener[] = [];
  readonly tcp: TcpConnectionTable;
  readonly stats = { rcvOversize: 0, sendErrors: 0 };

  constructor(
    readonly sockets: readonly SocketInfo[],
    private readonly handler: MessageHandler,
    opts: TransportOptions,
    private readonly log: TransportLog,
    inherited?: InheritedHandles,
  ) {
    this.tcp = new TcpConnectionTable(opts, {
      onMessage: (buf, conn) =>
        this.handler(buf, { proto: 'tcp', srcIp: conn.remoteIp, srcPort: conn.remotePort, socket: conn.local, connection: conn }),
      onLog: (level, text) => this.log[level](text),
    });
    for (const s of sockets) {
      if (s.proto === 'udp') {
        const listener =
          new UdpListener(
            s,
            (buf, srcIp, srcPort, socket) => this.handler(buf, { proto: 'udp', srcIp, srcPort, socket }),
            {
              maxMsgSize: opts.maxMsgSize,
              maxBuffer: opts.maxBuffer,
              onError: (err, info) => {
                this.stats.sendErrors++;
                this.log.dbg(`udp ${info.hostport}: ${err.message}`);
              },
              onOversize: (size, ip, port, info) => {
                this.stats.rcvOversize++;
                this.log.warn(`udp ${info.hostport}: dropping a ${size}-byte datagram from ${ip}:${port} (max ${opts.maxMsgSize})`);
              },
            },
            inherited?.udp.get(s.id),
          );
        this.udp.push(listener);
        this.udpById[s.id] = listener;
      } else {
        this.tcpListeners.push(new TcpListener(s, this.tcp, inherited?.tcp.get(s.id)));
      }
    }
  }

  /** Bind every socket; rejects with the first failure (address in use, no such address...). */
  async start(): Promise<void> {
    for (const u of this.udp) await u.bind();
    for (const t of this.tcpListeners) await t.listen();
  }

  stop(): void {
    for (const u of this.udp) u.close();
    for (const t of this.tcpListeners) t.close();
    this.tcp.closeAll();
  }

  /**
   * The socket to send from for `proto` and the destination's address family: the preferred one
   * (usually the socket a request came in on) when it fits, else the first that fits.
   */
  pickSocket(proto: Proto, family: 4 | 6, preferred?: SocketInfo): SocketInfo | undefined {
    if (preferred && preferred.proto === proto && preferred.family === family) return preferred;
    for (const s of this.sockets) if (s.proto === proto && s.family === family) return s;
    return undefined;
  }

  /**
   * Send `data`. For TCP, `conn` (the connection a request came on) is tried first, then an
   * open connection to the destination, then a new one (RFC 3261 §18.2.2). Returns false when
   * nothing could take the data (no socket for that protocol and family, too many connections).
   */
  send(dest: Destination, data: Buffer, from?: SocketInfo, conn?: TcpConnection): boolean {
    const family = ipFamily(dest.ip);
    if (family === 0) return false;
    if (dest.proto === 'udp') {
      const sock = this.pickSocket('udp', family, from);
      const listener = sock && this.udpById[sock.id];
      if (!listener) return false;
      listener.send(data, dest.port, dest.ip);
      return true;
    }
    if (conn && !conn.isClosed && conn.send(data)) return true;
    const open = this.tcp.get(dest.ip, dest.port);
    if (open && open.send(data)) return true;
    const sock = this.pickSocket('tcp', family, from);
    if (!sock) return false;
    const created = this.tcp.connect(dest.ip, dest.port, sock);
    return created ? created.send(data) : false;
  }
}
