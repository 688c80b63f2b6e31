import dgram from 'node:dgram';
import type { SocketInfo } from './socket-info.js';

export type DatagramHandler = (buf: Buffer, srcIp: string, srcPort: number, socket: SocketInfo) => void;

export interface UdpOptions {
  /** datagrams larger than this are dropped unread (SER's BUF_SIZE) */
  maxMsgSize: number;
  /** SO_RCVBUF ceiling (SER's maxbuffer); 0 leaves the OS default */
  maxBuffer: number;
  onError: (err: Error, socket: SocketInfo) => void;
  onOversize: (size: number, srcIp: string, srcPort: number, socket: SocketInfo) => void;
}

/**
 * We only ever send to IP literals (names are resolved before, asynchronously). Node's default
 * lookup defers every send by a tick even for a literal; answering at once saves that per packet.
 */
function literalLookup(address: string, family: unknown, cb: (err: Error | null, address: string, family: number) => void): void {
  void family;
  cb(null, address, address.includes(':') ? 6 : 4);
}

/** A UDP listening socket. Also the socket every UDP request leaving by this address is sent from. */
export class UdpListener {
  readonly socket: dgram.Socket;

  constructor(
    readonly info: SocketInfo,
    handler: DatagramHandler,
    private readonly opts: UdpOptions,
    existing?: dgram.Socket,
  ) {
    this.socket =
      existing ?? dgram.createSocket({ type: info.family === 6 ? 'udp6' : 'udp4', ipv6Only: info.family === 6, lookup: literalLookup });
    this.socket.on('error', (err) => opts.onError(err, info));
    const max = opts.maxMsgSize;
    this.socket.on('message', (buf, rinfo) => {
      if (buf.length > max) {
        // RFC 3261 §18.1.1 leaves large messages to congestion-controlled transports;
        // we drop what exceeds our buffer rather than parse a truncated message.
        opts.onOversize(buf.length, rinfo.address, rinfo.port, info);
        return;
      }
      handler(buf, rinfo.address, rinfo.port, info);
    });
  }

  /** Bind (unless the socket came bound from the parent process). */
  bind(): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.socket.once('error', onError);
      this.socket.bind({ port: this.info.port, address: this.info.address, exclusive: true }, () => {
        this.socket.off('error', onError);
        if (this.opts.maxBuffer > 0) {
          try {
            if (this.socket.getRecvBufferSize() < this.opts.maxBuffer) this.socket.setRecvBufferSize(this.opts.maxBuffer);
          } catch {
            // the OS may refuse a larger buffer; the default still works
          }
        }
        resolve();
      });
    });
  }

  send(buf: Buffer, port: number, ip: string): void {
    this.socket.send(buf, port, ip);
  }

  close(): void {
    try {
      this.socket.close();
    } catch {
      // already closed
    }
  }
}
