// Helpers for the textops unit tests (not used by the module): a request context over a
// message given as text, the script's functions bound through a real configuration, and the
// bytes forwarding would send.

import type { Call } from '../../script/ast.js';
import { RequestContext } from '../../script/context.js';
import type { Core } from '../../script/core-api.js';
import { defaultCoreConfig } from '../../script/core-config.js';
import { loadConfig } from '../../script/load-config.js';
import type { ModuleDescriptor } from '../../script/module-api.js';
import { parseMessage } from '../../sip/parser/message.js';
import { buildForwardedRequest } from '../../sip/proxy/stateless.js';
import { SOCKET } from '../registrar/testing.js';
import textops from './index.js';

export { SOCKET };

/** A request: the given header lines (defaults: a MESSAGE's mandatory ones) and body. */
export function requestText(o: { extra?: string[]; body?: string; uri?: string; headers?: string[] } = {}): string {
  const body = o.body ?? '';
  const lines = o.headers ?? [
    `MESSAGE ${o.uri ?? 'sip:bob@example.com'} SIP/2.0`,
    'Via: SIP/2.0/UDP 192.0.2.7:5060;branch=z9hG4bKtext1',
    'From: <sip:alice@example.com>;tag=a1',
    'To: <sip:bob@example.com>',
    'Call-ID: c1@example.com',
    'CSeq: 1 MESSAGE',
    'Max-Forwards: 70',
    ...(o.extra ?? []),
    `Content-Length: ${Buffer.byteLength(body)}`,
  ];
  return lines.join('\r\n') + '\r\n\r\n' + body;
}

export function ctxOf(text: string): RequestContext {
  const msg = parseMessage(Buffer.from(text, 'latin1'));
  return new RequestContext({} as Core, msg, { proto: 'udp', srcIp: '192.0.2.7', srcPort: 5060, socket: SOCKET });
}

/** The received bytes with the script's edits, as text. */
export function edited(ctx: RequestContext): string {
  return ctx.edits.apply(ctx.msg.buf).toString('latin1');
}

/** What forward() would send (our Via, Max-Forwards, Content-Length following the body). */
export function forwarded(ctx: RequestContext): string {
  return buildForwardedRequest(ctx.msg, ctx.edits, { via: 'Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKus\r\n', maxForwards: 'decrement' }).toString('latin1');
}

export type Run = (ctx: RequestContext) => number;

/**
 * The textops function `name` with the script's arguments (as written in ser.cfg, inside the
 * parentheses), fixed up through a real configuration load.
 */
export function call(name: string, argsSource: string): Run {
  const spec = textops.functions[name]!;
  const loaded = loadConfig(`loadmodule "textops.so"\nroute { ${name}(${argsSource}); }\n`, 'test.cfg', { textops: textops as ModuleDescriptor<unknown> }, defaultCoreConfig());
  const first = loaded.routes.request.get(0)!.body[0] as Call;
  const fixed = loaded.bound.get(first)!.fixed;
  return (ctx) => spec.run(null, ctx, fixed) as number;
}

/** The configuration error loading `name(args)` gives, formatted ("test.cfg:2:..."). */
export function configError(name: string, argsSource: string): string {
  try {
    loadConfig(`loadmodule "textops.so"\nroute { ${name}(${argsSource}); }\n`, 'test.cfg', { textops: textops as ModuleDescriptor<unknown> }, defaultCoreConfig());
  } catch (e) {
    return (e as { format(): string }).format();
  }
  return '';
}
