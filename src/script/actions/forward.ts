// forward / forward_udp / forward_tcp (stateless relaying, RFC 3261 §16.11) and send / send_tcp
// (the received bytes as they are, to a third party): SER §6.2 "Message Forwarding".

import { normalizeIp } from '../../util/ip.js';
import { isLooping, statelessBranch, viaLine, buildForwardedRequest } from '../../sip/proxy/stateless.js';
import { parseUri, uriParam } from '../../sip/parser/uri.js';
import { SipParseError } from '../../sip/parser/errors.js';
import type { Target } from '../../sip/transport/resolver.js';
import type { Proto, SocketInfo } from '../../sip/transport/socket-info.js';
import type { Value } from '../ast.js';
import type { RequestContext } from '../context.js';
import type { Core } from '../core-api.js';
import { REQUEST_ROUTE, type ActionResult, type FixupContext, type FunctionSpec } from '../module-api.js';
import { E_BAD_ADDRESS, E_BAD_URI, E_NO_SOCKET, E_SEND } from '../ser-error.js';
import { text } from '../values.js';

/** Answer the request ourselves instead of forwarding it; ends the route block like SER's drop. */
export function replyLocally(ctx: RequestContext, status: number, reason: string): ActionResult {
  const sent = ctx.core.reply(ctx, status, reason);
  return sent instanceof Promise ? sent.then(() => 0) : 0;
}


type HostArg = { kind: 'uri' } | { kind: 'ip'; ip: string } | { kind: 'name'; name: string };
type PortArg = { kind: 'uri' } | { kind: 'port'; port: number } | { kind: 'none' };

export interface FixedTarget {
  host: HostArg;
  port: PortArg;
}

function fixHost(v: Value, fx: FixupContext): HostArg {
  const t = text(v).trim();
  if (v.kind === 'word' && t === 'uri:host') return { kind: 'uri' };
  const bare = t.startsWith('[') && t.endsWith(']') ? t.slice(1, -1) : t;
  const ip = normalizeIp(bare);
  if (ip) return { kind: 'ip', ip };
  if (!/^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*\.?$/.test(t)) {
    throw fx.error(0, `'${t}' is not an IP address or a host name`, 'use an IP address, a host name, or uri:host');
  }
  return { kind: 'name', name: t.toLowerCase() };
}

function fixPort(args: readonly Value[], fx: FixupContext): PortArg {
  if (args.length < 2) return { kind: 'none' };
  const v = args[1]!;
  const t = text(v).trim();
  if (v.kind === 'word' && t === 'uri:port') return { kind: 'uri' };
  if (!/^\d{1,5}$/.test(t) || Number(t) < 1 || Number(t) > 65535) {
    throw fx.error(1, `'${t}' is not a port number`, 'use a number 1..65535 or uri:port');
  }
  return { kind: 'port', port: Number(t) };
}

export function fixTarget(args: readonly Value[], fx: FixupContext): FixedTarget {
  const host = fixHost(args[0]!, fx);
  const port = fixPort(args, fx);
  if (port.kind === 'uri' && host.kind !== 'uri') throw fx.error(1, 'uri:port can only go with uri:host');
  return { host, port };
}

export interface Hop {
  host: string;
  port: number | undefined;
  proto: Proto;
  secure: boolean;
}

/** Work out host, port and protocol for this request; undefined (with serError set) on a bad URI. */
function hopOf(ctx: RequestContext, t: FixedTarget, proto: Proto | undefined): Hop | undefined {
  if (t.host.kind !== 'uri') {
    const host = t.host.kind === 'ip' ? t.host.ip : t.host.name;
    return { host, port: t.port.kind === 'port' ? t.port.port : undefined, proto: proto ?? ctx.rcv.proto, secure: false };
  }
  const hop = hopForUri(ctx, ctx.nextHopUri, proto);
  if (hop && t.port.kind === 'port') hop.port = t.port.port;
  return hop;
}

/**
 * The next hop for a URI (RFC 3263 §4.1): its host and port, the protocol its transport parameter
 * names (else `proto`, else the one the request came on), TCP for sips. Undefined, with serError
 * set and a log line, when the URI is malformed or not a SIP URI.
 */
export function hopForUri(ctx: RequestContext, uriText: string, proto: Proto | undefined): Hop | undefined {
  let uri;
  try {
    uri = uriText === ctx.currentUri ? ctx.currentUriParsed() : parseUri(uriText);
  } catch (e) {
    if (!(e instanceof SipParseError)) throw e;
    ctx.serError = E_BAD_URI;
    ctx.core.log.err(`forward: bad uri <${uriText}>, dropping packet`);
    return undefined;
  }
  if (uri.scheme !== 'sip' && uri.scheme !== 'sips') {
    ctx.serError = E_BAD_URI;
    ctx.core.log.err(`forward: cannot forward to a ${uri.scheme}: URI <${uriText}>`);
    return undefined;
  }
  const secure = uri.scheme === 'sips';
  let p = proto;
  if (!p) {
    const tp = uriParam(uri, 'transport');
    p = typeof tp === 'string' && tp.toLowerCase() === 'tcp' ? 'tcp' : typeof tp === 'string' && tp.toLowerCase() === 'udp' ? 'udp' : ctx.rcv.proto;
  }
  if (secure) p = 'tcp';
  const maddr = uriParam(uri, 'maddr');
  return { host: typeof maddr === 'string' && maddr ? maddr : uri.host, port: uri.port, proto: p, secure };
}

/** Where to send: synchronously for IP literals, through the resolver for names; undefined (logged) when it does not resolve. */
export function resolveHop(core: Core, hop: Hop): Target | undefined | Promise<Target | undefined> {
  const t = core.resolver.nextHop(hop.host, hop.port, hop.proto, hop.secure);
  if (!(t instanceof Promise)) return t;
  return t.catch((err: Error) => {
    core.log.err(`forward: cannot resolve '${hop.host}': ${err.message}`);
    return undefined;
  });
}

/**
 * Send what `build` makes for the socket chosen (the receiving one when protocol and family
 * fit); sets SER's error code and returns -1 when there is no address, no socket, or no way out.
 */
function sendTo(ctx: RequestContext, proto: Proto, dest: Target | undefined, build: (sock: SocketInfo) => Buffer): number {
  const core = ctx.core;
  if (!dest) {
    ctx.serError = E_BAD_ADDRESS;
    return -1;
  }
  const sock = core.transport.pickSocket(proto, dest.family, ctx.rcv.socket);
  if (!sock) {
    ctx.serError = E_NO_SOCKET;
    core.log.err(`no ${proto} socket for IPv${dest.family} destination ${dest.ip}`);
    return -1;
  }
  if (!core.transport.send({ proto, ip: dest.ip, port: dest.port }, build(sock), sock)) {
    ctx.serError = E_SEND;
    core.log.err(`could not send to ${proto}:${dest.ip}:${dest.port}`);
    return -1;
  }
  return 1;
}

/** The socket-dependent header lines the script asked for (Record-Route), for a request leaving by `sock`. */
export function outboundTop(ctx: RequestContext, sock: SocketInfo): string | undefined {
  const fns = ctx.outboundHeaders;
  if (fns.length === 0) return undefined;
  let s = '';
  for (const f of fns) s += f(sock);
  return s;
}

/**
 * RFC 3261 §16.6 step 3 (and §16.3 step 3): unless the script handled Max-Forwards (maxfwd), a
 * request with Max-Forwards 0 is not forwarded but answered 483 (0 here); else decremented, or added.
 */
export function maxForwardsPlan(ctx: RequestContext): 'decrement' | 'add' | undefined | 0 {
  if (ctx.maxFwdProcessed) return undefined;
  const msg = ctx.msg;
  let mf: number | undefined;
  try {
    mf = msg.maxForwards;
  } catch {
    mf = undefined; // RFC 4475 §3.1.2.4: an overlarge value may be treated as absent
  }
  if (mf === 0) return 0;
  return mf === undefined ? (msg.header('max-forwards') ? undefined : 'add') : 'decrement';
}

/** SER's forward_request(): stateless relay of the request to `hop`. */
export function forwardRequest(ctx: RequestContext, t: FixedTarget, proto: Proto | undefined): ActionResult {
  const core = ctx.core;
  const msg = ctx.msg;
  const hop = hopOf(ctx, t, proto);
  if (!hop) return -1;

  const maxForwards = maxForwardsPlan(ctx);
  if (maxForwards === 0) return replyLocally(ctx, 483, 'Too Many Hops');
  // RFC 3261 §16.3 step 4: our own Via with this request's loop key: it has looped.
  if (isLooping(msg, core.myself)) return replyLocally(ctx, 482, 'Loop Detected');

  const send = (dest: Target | undefined): number => {
    const r = sendTo(ctx, hop.proto, dest, (sock) =>
      buildForwardedRequest(msg, ctx.edits, {
        newUri: ctx.newUri,
        via: viaLine(sock, statelessBranch(msg)),
        maxForwards,
        top: outboundTop(ctx, sock),
      }),
    );
    if (r > 0) core.stats.fwdRequests++;
    return r;
  };
  const dest = resolveHop(core, hop);
  return dest instanceof Promise ? dest.then(send) : send(dest);
}

/** send / send_tcp: the message exactly as received (SER §6.2), no Via, no edits. */
export function sendAsIs(ctx: RequestContext, t: FixedTarget, proto: Proto): ActionResult {
  const hop = hopOf(ctx, t, proto);
  if (!hop) return -1;
  const send = (dest: Target | undefined) => sendTo(ctx, proto, dest, () => ctx.msg.buf);
  const dest = resolveHop(ctx.core, hop);
  return dest instanceof Promise ? dest.then(send) : send(dest);
}

const fwdDoc = (p: string) =>
  `forward(host [, port]) statelessly${p}; host may be uri:host and port uri:port (the current Request-URI's); without a port, SRV then 5060 (RFC 3263)`;

/** All five take (host [, port]) in request routes; they differ in what they do with it. */
function targetSpec(run: (ctx: RequestContext, t: FixedTarget) => ActionResult, doc: string): FunctionSpec<Core> {
  return { arities: [1, 2], routes: REQUEST_ROUTE, fixup: fixTarget, run: (_core, ctx, fixed) => run(ctx, fixed as FixedTarget), doc };
}

export const FORWARD_ACTIONS: Record<string, FunctionSpec<Core>> = {
  forward: targetSpec((ctx, t) => forwardRequest(ctx, t, undefined), fwdDoc(" over the transport it came on (or the URI's transport parameter)")),
  forward_udp: targetSpec((ctx, t) => forwardRequest(ctx, t, 'udp'), fwdDoc(' over UDP')),
  forward_tcp: targetSpec((ctx, t) => forwardRequest(ctx, t, 'tcp'), fwdDoc(' over TCP')),
  send: targetSpec((ctx, t) => sendAsIs(ctx, t, 'udp'), 'send(host [, port]): send the request exactly as received, over UDP'),
  send_tcp: targetSpec((ctx, t) => sendAsIs(ctx, t, 'tcp'), 'send_tcp(host [, port]): send the request exactly as received, over TCP'),
};
