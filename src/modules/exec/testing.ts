// Helpers for the exec unit tests (not used by the module).

import { RequestContext } from '../../script/context.js';
import type { Core } from '../../script/core-api.js';
import { parseMessage } from '../../sip/parser/message.js';
import { Logger, MemorySink } from '../../util/logger.js';
import { SOCKET } from '../registrar/testing.js';
import exec, { type ExecState } from './index.js';

export function requestText(o: { uri?: string; extra?: string[]; body?: string } = {}): string {
  const body = o.body ?? '';
  return [
    `INVITE ${o.uri ?? 'sip:jiri@iptel.org'} SIP/2.0`,
    'Via: SIP/2.0/UDP 195.37.77.100:5040;branch=z9hG4bKexec1',
    'Max-Forwards: 10',
    'From: "alice" <sip:alice@iptel.org>;tag=76ff7a07',
    'To: <sip:jiri@iptel.org>',
    'Call-ID: d10815e0@213.20.128.35',
    'CSeq: 2 INVITE',
    ...(o.extra ?? []),
    `Content-Length: ${Buffer.byteLength(body)}`,
  ].join('\r\n') + '\r\n\r\n' + body;
}

export function ctxOf(text: string, srcIp = '195.37.77.100'): RequestContext {
  const msg = parseMessage(Buffer.from(text, 'latin1'));
  return new RequestContext({} as Core, msg, { proto: 'udp', srcIp, srcPort: 5040, socket: SOCKET });
}

/** The module's state with its defaults overridden by `params`, logging into `sink`. */
export function execState(params: Record<string, number> = {}): { st: ExecState; sink: MemorySink } {
  const sink = new MemorySink();
  const log = new Logger(sink, 4);
  const p: Record<string, number | string> = {};
  for (const [k, spec] of Object.entries(exec.params)) p[k] = params[k] ?? spec.default;
  const st = exec.create({ log } as unknown as Core, p) as ExecState;
  return { st, sink };
}
