import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { frameStream } from '../../src/sip/parser/frame.js';
import { parseMessage, type SipMessage } from '../../src/sip/parser/message.js';
import type { TestServer } from '../helpers/server.js';
import type { UdpPeer } from '../helpers/sip-peer.js';

// Helpers shared by the tm-*.test.ts files: raw user agents on loopback that answer the way RFC
// 3261 §8.2.6 and §12 tell a UA to, and ways to wait for one message among several.

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A seed script from test/fixtures/cfg/guide. */
export function guideCfg(name: string): string {
  return readFileSync(path.resolve('test/fixtures/cfg/guide', name), 'utf8');
}

/** Replace `from` by `to` in a seed script; fails when `from` is not there (the seed changed). */
export function subst(text: string, from: string, to: string): string {
  if (!text.includes(from)) throw new Error(`seed text not found: ${JSON.stringify(from)}`);
  return text.split(from).join(to);
}

let counter = 0;
/** A fresh RFC 3261 branch (or any token with another prefix). */
export function uniq(prefix = 'z9hG4bK'): string {
  return `${prefix}${process.pid.toString(36)}${Date.now().toString(36)}${(++counter).toString(36)}`;
}

// ---------- waiting for messages ----------

/** Parse everything a peer has received so far and clear it. */
export function drain(peer: UdpPeer): SipMessage[] {
  return peer.received.splice(0).map((r) => parseMessage(r.msg));
}

/** Wait `ms`, then everything received meanwhile (and before). */
export async function collect(peer: UdpPeer, ms: number): Promise<SipMessage[]> {
  await sleep(ms);
  return drain(peer);
}

/**
 * The first message (already received or arriving within `ms`) for which `pred` holds; it is
 * taken out, the others stay for later. Undefined when none comes.
 */
export async function maybeTake(peer: UdpPeer, pred: (m: SipMessage) => boolean, ms = 2000): Promise<SipMessage | undefined> {
  const deadline = Date.now() + ms;
  for (;;) {
    for (let i = 0; i < peer.received.length; i++) {
      let m: SipMessage;
      try {
        m = parseMessage(peer.received[i]!.msg);
      } catch {
        continue;
      }
      if (pred(m)) {
        peer.received.splice(i, 1);
        return m;
      }
    }
    if (Date.now() >= deadline) return undefined;
    await sleep(5);
  }
}

/** As maybeTake, but fails the test (with what did arrive) when nothing matching comes. */
export async function take(peer: UdpPeer, pred: (m: SipMessage) => boolean, ms = 2000, what = 'the expected message'): Promise<SipMessage> {
  const m = await maybeTake(peer, pred, ms);
  if (m) return m;
  const seen = peer.received.map((r) => r.msg.toString('latin1').split('\r\n')[0]).join(' | ');
  throw new Error(`${what}: not received within ${ms} ms (received instead: ${seen || 'nothing'})`);
}

/** Count the messages matching `pred` that arrive within `ms` (taking them out). */
export async function countWithin(peer: UdpPeer, pred: (m: SipMessage) => boolean, ms: number): Promise<SipMessage[]> {
  await sleep(ms);
  const out: SipMessage[] = [];
  for (let i = 0; i < peer.received.length; ) {
    let m: SipMessage | undefined;
    try {
      m = parseMessage(peer.received[i]!.msg);
    } catch {
      m = undefined;
    }
    if (m && pred(m)) {
      out.push(m);
      peer.received.splice(i, 1);
    } else i++;
  }
  return out;
}

export const isReq =
  (method: string) =>
  (m: SipMessage): boolean =>
    m.isRequest && m.method === method;
export const isResp =
  (status: number, method?: string) =>
  (m: SipMessage): boolean =>
    !m.isRequest && m.status === status && (method === undefined || m.cseq.method === method);
export const isFinalFor =
  (method: string) =>
  (m: SipMessage): boolean =>
    !m.isRequest && m.status >= 200 && m.cseq.method === method;
export const isResponse = (m: SipMessage): boolean => !m.isRequest;

/** The whole lines of the header fields with these names, in the message's order. */
export function lines(m: SipMessage, ...names: string[]): string {
  return m.headers
    .filter((h) => names.includes(h.name))
    .map((h) => m.head.slice(h.start, h.end))
    .join('');
}

/** A header field's value text (the first of that name). */
export function hv(m: SipMessage, name: string): string | undefined {
  const h = m.header(name);
  return h ? m.value(h) : undefined;
}

// ---------- a UA's side ----------

/**
 * The response a UAS gives to `req` (RFC 3261 §8.2.6.2): Via, From, Call-ID and CSeq copied, To
 * with a tag added when it has none (not for 100), Record-Route copied in 18x and 2xx (§12.1.1).
 */
export function response(
  req: SipMessage,
  status: number,
  reason: string,
  o: { toTag?: string; contact?: string; extra?: string[]; body?: string } = {},
): string {
  let out = `SIP/2.0 ${status} ${reason}\r\n`;
  for (const h of req.headers) {
    const line = req.head.slice(h.start, h.end);
    if (h.name === 'via' || h.name === 'from' || h.name === 'call-id' || h.name === 'cseq') out += line;
    else if (h.name === 'record-route' && status > 100 && status < 300) out += line;
    else if (h.name === 'to') {
      const tag = status > 100 && !req.to.tag ? (o.toTag ?? 'uas' + uniq('')) : undefined;
      out += tag ? line.replace(/\r\n$/, `;tag=${tag}\r\n`) : line;
    }
  }
  if (o.contact) out += `Contact: ${o.contact}\r\n`;
  for (const x of o.extra ?? []) out += x + '\r\n';
  const body = o.body ?? '';
  out += `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
  return out;
}

/** Send a response to `req` where its top Via says (RFC 3261 §18.2.2; here always UDP on loopback). */
export function answer(peer: UdpPeer, req: SipMessage, status: number, reason: string, o: Parameters<typeof response>[3] = {}): string {
  const text = response(req, status, reason, o);
  const v = req.via1;
  peer.send(text, Number(v.rport) || v.port || 5060, v.received ?? v.host);
  return text;
}

/** The To tag of a response. */
export function toTag(m: SipMessage): string {
  const t = m.to.tag;
  if (!t) throw new Error(`no To tag in ${m.status} ${m.reason}`);
  return t;
}

/** A call leg on the caller's side: one Call-ID, From tag and CSeq numbering. */
export class Caller {
  readonly callId = uniq('call');
  readonly fromTag = uniq('ft');
  cseq = 1;
  /** the branch of the last request sent */
  branch = '';
  constructor(
    readonly peer: UdpPeer,
    readonly proxyPort: number,
    readonly target: string,
    readonly user = 'caller',
  ) {}

  get from(): string {
    return `"Caller" <sip:${this.user}@127.0.0.1:${this.peer.port}>;tag=${this.fromTag}`;
  }
  get via(): string {
    return `SIP/2.0/UDP 127.0.0.1:${this.peer.port};branch=${this.branch}`;
  }

  /** Build a request of this leg; a new branch unless `branch` is given. */
  build(
    method: string,
    o: { uri?: string; to?: string; branch?: string; cseq?: number; extra?: string[]; body?: string; maxForwards?: number } = {},
  ): string {
    this.branch = o.branch ?? uniq();
    const cseq = o.cseq ?? this.cseq;
    const body = o.body ?? '';
    const head = [
      `${method} ${o.uri ?? this.target} SIP/2.0`,
      `Via: ${this.via}`,
      `Max-Forwards: ${o.maxForwards ?? 70}`,
      `From: ${this.from}`,
      `To: ${o.to ?? `<${this.target}>`}`,
      `Call-ID: ${this.callId}`,
      `CSeq: ${cseq} ${method}`,
      `Contact: <sip:${this.user}@127.0.0.1:${this.peer.port}>`,
      ...(o.extra ?? []),
      ...(body ? ['Content-Type: application/sdp'] : []),
      `Content-Length: ${Buffer.byteLength(body)}`,
    ];
    return head.join('\r\n') + '\r\n\r\n' + body;
  }

  send(text: string): void {
    this.peer.send(text, this.proxyPort);
  }

  /** INVITE with a small SDP body; returns the text sent (for retransmissions). */
  invite(o: { uri?: string; extra?: string[] } = {}): string {
    const t = this.build('INVITE', { ...o, body: SDP });
    this.send(t);
    return t;
  }

  /** CANCEL of the last INVITE (RFC 3261 §9.1: same Request-URI, Call-ID, From, To, CSeq number and Via). */
  cancel(inviteText: string): string {
    const inv = parseMessage(Buffer.from(inviteText, 'latin1'));
    const t = this.build('CANCEL', { uri: inv.ruri, branch: inv.via1.branch!, cseq: inv.cseq.seq, to: hv(inv, 'to')! });
    this.send(t);
    return t;
  }

  /** ACK for a non-2xx final response (RFC 3261 §17.1.1.3): the INVITE's branch, the response's To. */
  ackNon2xx(inviteText: string, resp: SipMessage): string {
    const inv = parseMessage(Buffer.from(inviteText, 'latin1'));
    const t = this.build('ACK', { uri: inv.ruri, branch: inv.via1.branch!, cseq: inv.cseq.seq, to: hv(resp, 'to')! });
    this.send(t);
    return t;
  }

  /**
   * A request inside the dialog a 2xx set up (RFC 3261 §12.2.1.1): Request-URI = the remote
   * target (Contact), Route = the Record-Route values in reverse order, the To with its tag.
   * Sent to the proxy, or with `direct` to the Contact itself (a dialog without a route set).
   */
  inDialog(method: string, ok: SipMessage, cseq: number, direct = false): string {
    const contact = ok.contacts as readonly { uri: string }[];
    if (!Array.isArray(contact) || contact.length === 0) throw new Error('the 2xx has no Contact');
    const rr = ok.recordRoutes.map((r) => ok.head.slice(r.start, r.end)).reverse();
    const t = this.build(method, {
      uri: contact[0]!.uri,
      cseq,
      to: hv(ok, 'to')!,
      extra: rr.length ? [`Route: ${rr.join(', ')}`] : [],
    });
    if (direct) {
      // no route set: straight to the remote target (RFC 3261 §12.2.1.1, §8.1.2)
      const u = /@?([0-9.]+):(\d+)/.exec(contact[0]!.uri);
      if (!u) throw new Error(`cannot send to ${contact[0]!.uri}`);
      this.peer.send(t, Number(u[2]), u[1]);
    } else this.send(t);
    return t;
  }
}

export const SDP = 'v=0\r\no=caller 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 9 RTP/AVP 0\r\n';

/** tm's counters (SER's t_stats) when the module exposes them; undefined otherwise. */
export function tmStats(srv: TestServer): Record<string, number> | undefined {
  const st = srv.server.states.get('tm') as
    | { stats?: { snapshot?: () => Record<string, number>; current?: number } }
    | undefined;
  const s = st?.stats;
  if (!s) return undefined;
  if (typeof s.snapshot === 'function') return s.snapshot();
  if (typeof s.current === 'number') return { current: s.current };
  return undefined;
}

/** Poll until `f` holds or `ms` pass; the last value of `f`. */
export async function eventually(f: () => boolean, ms: number, step = 50): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (f()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(step);
  }
}

// ---------- a UA behind TCP ----------

/** A TCP listener standing for a UA: frames what arrives on any connection, answers on the same one. */
export class TcpUas {
  readonly received: { msg: SipMessage; sock: net.Socket }[] = [];
  readonly sockets = new Set<net.Socket>();
  private constructor(readonly server: net.Server) {}

  static async open(): Promise<TcpUas> {
    const srv = net.createServer();
    const uas = new TcpUas(srv);
    srv.on('connection', (sock) => {
      uas.sockets.add(sock);
      let buf = Buffer.alloc(0);
      sock.on('error', () => undefined);
      sock.on('close', () => uas.sockets.delete(sock));
      sock.on('data', (d) => {
        buf = Buffer.concat([buf, d]);
        for (;;) {
          const f = frameStream(buf, 0, 65535);
          if (f.kind === 'incomplete') break;
          if (f.kind === 'error') {
            sock.destroy();
            return;
          }
          if (f.kind === 'message') uas.received.push({ msg: parseMessage(Buffer.from(buf.subarray(f.start, f.end)), 'stream'), sock });
          buf = buf.subarray(f.end);
        }
      });
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    return uas;
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  async take(pred: (m: SipMessage) => boolean, ms = 2000, what = 'the expected message'): Promise<{ msg: SipMessage; sock: net.Socket }> {
    const deadline = Date.now() + ms;
    for (;;) {
      const i = this.received.findIndex((r) => pred(r.msg));
      if (i >= 0) return this.received.splice(i, 1)[0]!;
      if (Date.now() >= deadline) {
        const seen = this.received.map((r) => r.msg.head.split('\r\n')[0]).join(' | ');
        throw new Error(`${what}: not received over TCP within ${ms} ms (received instead: ${seen || 'nothing'})`);
      }
      await sleep(5);
    }
  }

  close(): void {
    for (const s of this.sockets) s.destroy();
    this.server.close();
  }
}
