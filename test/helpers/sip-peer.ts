import dgram from 'node:dgram';
import net from 'node:net';
import { parseMessage, type SipMessage } from '../../src/sip/parser/message.js';

/** A UDP endpoint for tests: sends raw SIP, collects what arrives. */
export class UdpPeer {
  readonly socket: dgram.Socket;
  readonly received: { msg: Buffer; from: string; port: number }[] = [];
  private waiters: (() => void)[] = [];

  private constructor(socket: dgram.Socket) {
    this.socket = socket;
    socket.on('message', (msg, r) => {
      this.received.push({ msg, from: r.address, port: r.port });
      for (const w of this.waiters.splice(0)) w();
    });
  }

  static async open(host = '127.0.0.1', port = 0): Promise<UdpPeer> {
    const s = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.bind(port, host, () => resolve());
    });
    return new UdpPeer(s);
  }

  get port(): number {
    return this.socket.address().port;
  }

  send(data: string | Buffer, port: number, host = '127.0.0.1'): void {
    this.socket.send(typeof data === 'string' ? Buffer.from(data, 'latin1') : data, port, host);
  }

  /** The next datagram not yet taken, or undefined after `ms`. */
  async next(ms = 2000): Promise<Buffer | undefined> {
    const deadline = Date.now() + ms;
    while (this.received.length === 0) {
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.received.shift()!.msg;
  }

  /** The next datagram, parsed; fails the test when nothing comes. */
  async expect(ms = 2000): Promise<SipMessage> {
    const b = await this.next(ms);
    if (!b) throw new Error(`nothing received within ${ms} ms`);
    return parseMessage(b);
  }

  /** Nothing arrives within `ms`. */
  async silence(ms = 300): Promise<boolean> {
    const b = await this.next(ms);
    return b === undefined;
  }

  close(): void {
    this.socket.close();
  }
}

/** A TCP client connection for tests. */
export class TcpPeer {
  private buf = Buffer.alloc(0);
  private waiters: (() => void)[] = [];
  closed = false;

  private constructor(readonly sock: net.Socket) {
    sock.on('data', (d) => {
      this.buf = Buffer.concat([this.buf, d]);
      for (const w of this.waiters.splice(0)) w();
    });
    sock.on('close', () => {
      this.closed = true;
      for (const w of this.waiters.splice(0)) w();
    });
    sock.on('error', () => undefined);
  }

  static connect(port: number, host = '127.0.0.1'): Promise<TcpPeer> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, host, () => resolve(new TcpPeer(s)));
      s.once('error', reject);
    });
  }

  write(data: string | Buffer): void {
    this.sock.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  }

  /** Wait until `pred` holds for the bytes received so far, or `ms` pass. */
  async waitFor(pred: (b: Buffer) => boolean, ms = 2000): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (!pred(this.buf)) {
      if (this.closed) return pred(this.buf);
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return true;
  }

  /** Wait for the connection to close. */
  async waitClosed(ms = 2000): Promise<boolean> {
    return this.waitFor(() => this.closed, ms);
  }

  /** The bytes received so far, taken. */
  take(): Buffer {
    const b = this.buf;
    this.buf = Buffer.alloc(0);
    return b;
  }

  get text(): string {
    return this.buf.toString('latin1');
  }

  close(): void {
    this.sock.destroy();
  }
}

/** A minimal valid request, CRLF line ends. Fields can be overridden or extra headers added. */
export function request(o: {
  method?: string;
  uri?: string;
  via?: string;
  from?: string;
  to?: string;
  callId?: string;
  cseq?: number;
  maxForwards?: number | null;
  extra?: string[];
  body?: string;
  port?: number;
  transport?: string;
}): string {
  const method = o.method ?? 'OPTIONS';
  const port = o.port ?? 5999;
  const lines = [
    `${method} ${o.uri ?? 'sip:test@127.0.0.1'} SIP/2.0`,
    `Via: ${o.via ?? `SIP/2.0/${o.transport ?? 'UDP'} 127.0.0.1:${port};branch=z9hG4bK${Math.random().toString(36).slice(2)}`}`,
    `From: ${o.from ?? `<sip:tester@127.0.0.1>;tag=${Math.random().toString(36).slice(2)}`}`,
    `To: ${o.to ?? '<sip:test@127.0.0.1>'}`,
    `Call-ID: ${o.callId ?? Math.random().toString(36).slice(2)}@test`,
    `CSeq: ${o.cseq ?? 1} ${method}`,
  ];
  if (o.maxForwards !== null) lines.push(`Max-Forwards: ${o.maxForwards ?? 70}`);
  lines.push(...(o.extra ?? []));
  const body = o.body ?? '';
  lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
  return lines.join('\r\n') + '\r\n\r\n' + body;
}
