// Helpers for the rr module's unit tests (not used by the module itself): sockets, a minimal
// core, a request context on an in-memory message, and the bytes forwarding would send.

import { EditList } from '../../sip/edit.js';
import { Myself } from '../../sip/myself.js';
import { parseMessage, type SipMessage } from '../../sip/parser/message.js';
import type { SocketInfo } from '../../sip/transport/socket-info.js';
import { RequestContext } from '../../script/context.js';
import type { Core } from '../../script/core-api.js';
import { Logger, MemorySink } from '../../util/logger.js';
import { createRrState, type RrOptions, type RrState } from './state.js';

function sock(id: number, proto: 'udp' | 'tcp', address: string, port: number): SocketInfo {
  const family = address.includes(':') ? 6 : 4;
  const viaHost = family === 6 ? `[${address}]` : address;
  return { id, proto, address, port, family, name: address, viaHost, viaPort: port, hostport: `${viaHost}:${port}` };
}

export const UDP4 = sock(0, 'udp', '192.0.2.10', 5060);
export const TCP4 = sock(1, 'tcp', '192.0.2.10', 5060);
export const UDP4_5080 = sock(2, 'udp', '192.0.2.10', 5080);
export const UDP6 = sock(3, 'udp', '2001:db8::10', 5060);
export const TCP4_OTHER = sock(4, 'tcp', '198.51.100.7', 5070);
export const SOCKETS = [UDP4, TCP4, UDP4_5080, UDP6, TCP4_OTHER];

export interface Rig {
  st: RrState;
  sink: MemorySink;
}

export function rig(opts: Partial<RrOptions> = {}): Rig {
  const sink = new MemorySink();
  const core = { myself: new Myself(SOCKETS), log: new Logger(sink, 4), cfg: {} } as unknown as Core;
  const st = createRrState(core, { fullLr: false, appendFromTag: true, doubleRr: true, ...opts });
  return { st, sink };
}

/** A message from lines joined by CRLF, with the empty line. */
export function msgOf(lines: string[]): SipMessage {
  return parseMessage(Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1'));
}

/** A request with the mandatory header fields and `extra` lines before Content-Length. */
export function req(ruri: string, extra: string[] = [], method = 'INVITE', toTag?: string): SipMessage {
  return msgOf([
    `${method} ${ruri} SIP/2.0`,
    'Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKnashds8',
    'Max-Forwards: 70',
    `To: Bob <sip:bob@biloxi.example.com>${toTag ? ';tag=' + toTag : ''}`,
    'From: Alice <sip:alice@atlanta.example.com>;tag=1928301774',
    'Call-ID: a84b4c76e66710@pc33.atlanta.example.com',
    `CSeq: 314159 ${method}`,
    ...extra,
    'Content-Length: 0',
  ]);
}

export function ctxOf(r: Rig, msg: SipMessage, socket: SocketInfo = UDP4): RequestContext {
  return new RequestContext(r.st.core, msg, { proto: socket.proto, srcIp: '203.0.113.5', srcPort: 5060, socket });
}

/**
 * The request as forwarding would build it (without our Via): the outbound header lines for
 * socket `out` first, the current Request-URI in the request line, the script's edits applied.
 */
export function forwarded(ctx: RequestContext, out: SocketInfo = ctx.rcv.socket): string {
  const msg = ctx.msg;
  const e = new EditList();
  if (ctx.newUri !== undefined && ctx.newUri !== msg.ruri) e.replace(msg.ruriStart, msg.ruriEnd, ctx.newUri);
  const top = ctx.outboundHeaders.map((f) => f(out)).join('');
  if (top) e.insert(msg.headers[0]!.start, top);
  return ctx.edits.apply(msg.buf, msg.buf.length, e).toString('latin1');
}

/** The header lines of a message text named `name` (case-insensitive), as written. */
export function linesNamed(text: string, name: string): string[] {
  const head = text.slice(0, text.indexOf('\r\n\r\n'));
  return head.split('\r\n').filter((l) => l.toLowerCase().startsWith(name.toLowerCase() + ':'));
}
