import net from 'node:net';
import { frameStream } from '../parser/message.js';
import type { SocketInfo } from './socket-info.js';
import { formatHostPort } from '../../util/ip.js';

export interface TcpOptions {
  /** a message (head + body) larger than this closes the connection */
  maxMsgSize: number;
  /** seconds a started message may take to arrive completely (slow-loris guard, RFC 4475 clerr) */
  readTimeout: number;
  /** seconds of silence after which a connection is closed (SER's tcp_connection_lifetime) */
  lifetime: number;
  /** seconds to wait for an outgoing connection to open */
  connectTimeout: number;
  /** at most this many open connections; new ones are refused beyond it */
  maxConnections: number;
}

export type StreamHandler = (buf: Buffer, conn: TcpConnection) => void;

export interface TcpEvents {
  onMessage: StreamHandler;
  onLog: (level: 'err' | 'warn' | 'dbg', text: string) => void;
}

let nextConnId = 1;

/** One TCP connection, accepted or opened by us, framing SIP messages by Content-Length (RFC 3261 §18.3). */
export class TcpConnection {
  readonly id = nextConnId++;
  readonly key: string;
  private pending: Buffer | undefined;
  private partialTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private connected: boolean;
  private queue: Buffer[] = [];
  private queued = 0;

  constructor(
    readonly sock: net.Socket,
    readonly remoteIp: string,
    readonly remotePort: number,
    /** the listening socket this connection belongs to (its address is what our Via names) */
    readonly local: SocketInfo,
    private readonly table: TcpConnectionTable,
    outgoing: boolean,
  ) {
    this.key = connKey(remoteIp, remotePort);
    this.connected = !outgoing;
    sock.setNoDelay(true);
    sock.setTimeout(table.opts.lifetime * 1000, () => this.close('idle lifetime expired'));
    sock.on('data', (chunk: Buffer) => this.onData(chunk));
    sock.on('error', (err) => this.table.events.onLog('dbg', `tcp ${this.key}: ${err.message}`));
    sock.on('close', () => this.close());
    if (outgoing) {
      const timer = setTimeout(() => this.close('connect timeout'), table.opts.connectTimeout * 1000);
      sock.once('connect', () => {
        clearTimeout(timer);
        this.connected = true;
        for (const b of this.queue) sock.write(b);
        this.queue = [];
        this.queued = 0;
      });
      sock.once('close', () => clearTimeout(timer));
    }
  }

  get isClosed(): boolean {
    return this.closed;
  }

  send(buf: Buffer): boolean {
    if (this.closed) return false;
    if (!this.connected) {
      // Bounded: a peer that never accepts cannot make us hold unlimited data.
      if (this.queued + buf.length > this.table.opts.maxMsgSize * 16) return false;
      this.queue.push(buf);
      this.queued += buf.length;
      return true;
    }
    this.sock.write(buf);
    return true;
  }

  private onData(chunk: Buffer): void {
    let buf = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    let offset = 0;
    const max = this.table.opts.maxMsgSize;
    for (;;) {
      const f = frameStream(buf, offset, max);
      if (f.kind === 'message') {
        this.table.events.onMessage(buf.subarray(f.start, f.end), this);
        if (this.closed) return;
        offset = f.end;
      } else if (f.kind === 'keepalive') {
        // RFC 5626 §3.5.1: answer a CRLFCRLF ping with a single CRLF pong.
        this.send(Buffer.from('\r\n'));
        offset = f.end;
      } else if (f.kind === 'incomplete') {
        break;
      } else {
        // RFC 4475 §3.1.2.3 / §3.3.9: a stream framing error cannot be recovered from.
        this.close(`framing error: ${f.error.message}`);
        return;
      }
    }
    buf = buf.subarray(offset);
    if (buf.length === 0) {
      this.pending = undefined;
      if (this.partialTimer) {
        clearTimeout(this.partialTimer);
        this.partialTimer = undefined;
      }
      return;
    }
    if (buf.length > max) {
      this.close('message larger than the maximum size');
      return;
    }
    // Keep only the unframed rest; copy so the big chunk it came from can be freed.
    this.pending = Buffer.from(buf);
    if (!this.partialTimer) {
      // RFC 4475 §3.1.2.2: over TCP, wait for the rest, but close if it does not come in time.
      this.partialTimer = setTimeout(() => this.close('incomplete message timed out'), this.table.opts.readTimeout * 1000);
    }
  }

  close(reason?: string): void {
    if (this.closed) return;
    this.closed = true;
    if (reason) this.table.events.onLog('dbg', `tcp ${this.key}: closing: ${reason}`);
    if (this.partialTimer) clearTimeout(this.partialTimer);
    this.pending = undefined;
    this.queue = [];
    this.table.remove(this);
    this.sock.destroy();
  }
}

export function connKey(ip: string, port: number): string {
  return formatHostPort(ip, port);
}

/** All TCP connections of the server, found by remote address for reuse (RFC 3261 §18.2.2, §18.1.1). */
export class TcpConnectionTable {
  private readonly byKey = new Map<string, TcpConnection>();

  constructor(
    readonly opts: TcpOptions,
    readonly events: TcpEvents,
  ) {}

  get size(): number {
    return this.byKey.size;
  }

  get(ip: string, port: number): TcpConnection | undefined {
    const c = this.byKey.get(connKey(ip, port));
    return c && !c.isClosed ? c : undefined;
  }

  accept(sock: net.Socket, local: SocketInfo): void {
    const ip = normaliseRemote(sock.remoteAddress);
    const port = sock.remotePort;
    if (!ip || !port || this.byKey.size >= this.opts.maxConnections) {
      if (ip && port) this.events.onLog('warn', `tcp: refusing ${ip}:${port}: ${this.byKey.size} connections open`);
      sock.destroy();
      return;
    }
    this.add(new TcpConnection(sock, ip, port, local, this, false));
  }

  connect(ip: string, port: number, local: SocketInfo): TcpConnection | undefined {
    if (this.byKey.size >= this.opts.maxConnections) {
      this.events.onLog('warn', `tcp: cannot connect to ${ip}:${port}: ${this.byKey.size} connections open`);
      return undefined;
    }
    const sock = net.connect({ host: ip, port, localAddress: local.address, family: local.family });
    const conn = new TcpConnection(sock, ip, port, local, this, true);
    this.add(conn);
    return conn;
  }

  /** The newest connection to an address is the one found; an older one stays open until it closes. */
  private add(conn: TcpConnection): void {
    this.byKey.set(conn.key, conn);
  }

  remove(conn: TcpConnection): void {
    if (this.byKey.get(conn.key) === conn) this.byKey.delete(conn.key);
  }

  closeAll(): void {
    for (const c of [...this.byKey.values()]) c.close();
  }
}

function normaliseRemote(addr: string | undefined): string | undefined {
  if (!addr) return undefined;
  // An IPv4 peer on a dual-stack socket shows as ::ffff:a.b.c.d
  return addr.startsWith('::ffff:') && addr.includes('.') ? addr.slice(7) : addr;
}

/** A TCP listening socket. */
export class TcpListener {
  readonly server: net.Server;

  constructor(
    readonly info: SocketInfo,
    private readonly table: TcpConnectionTable,
    existing?: net.Server,
  ) {
    this.server = existing ?? net.createServer();
    this.server.on('connection', (sock) => this.table.accept(sock, info));
    this.server.on('error', (err) => this.table.events.onLog('err', `tcp listener ${info.hostport}: ${err.message}`));
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.server.once('error', onError);
      this.server.listen({ port: this.info.port, host: this.info.address, ipv6Only: this.info.family === 6, exclusive: true }, () => {
        this.server.off('error', onError);
        resolve();
      });
    });
  }

  close(): void {
    this.server.close();
  }
}
