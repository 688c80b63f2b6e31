// record_route() and record_route_preset(): SER 0.8's rr/record.c (RFC 3261 §16.6 step 4).
//
// The Record-Route header SER writes:
//
//   Record-Route: <sip:[user@]host[:port][;transport=tcp][;r2=on][;ftag=<From tag>];lr>
//
// - user: the user part of the Request-URI as received, or of the rewritten one when the
//   received one has none (SER's get_username);
// - host[:port]: the socket's address (or advertised address), IPv6 in brackets; the port only
//   when it is not 5060 (SER's SUBST_RCV_ALL / SUBST_SND_ALL lumps);
// - ;transport=tcp for a TCP socket (UDP is the default);
// - ;r2=on on both entries when two are written (enable_double_rr), which tells loose_route()
//   that the next Route is ours too;
// - ;ftag= the From tag when append_fromtag is on;
// - ;lr, or ;lr=on with enable_full_lr (for UAs that drop a parameter without a value).
//
// With enable_double_rr, when the request leaves by another socket than it came on (another
// transport, address or port: SER's COND_IF_DIFF_REALMS), two entries are written, the one for
// the outgoing socket on top, so that each side of the dialog reaches us on the socket facing it.
// The socket is only known when forwarding picks it, so the header is given to the forwarding
// code as a function of that socket (ctx.outboundHeaders).

import { SipParseError } from '../../sip/parser/errors.js';
import { detach } from '../../util/strings.js';
import { parseUri } from '../../sip/parser/uri.js';
import type { SocketInfo } from '../../sip/transport/socket-info.js';
import type { RequestContext } from '../../script/context.js';
import type { RrState } from './state.js';

const SIP_PORT = 5060;

/** Host text for a URI: IPv6 in brackets (an advertised address may come without them). */
export function uriHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** `host[:port][;transport=tcp]` for a socket, as SER's substitution lumps print it. */
export function socketHostPart(sock: SocketInfo): string {
  let s = uriHost(sock.viaHost);
  if (sock.viaPort !== SIP_PORT) s += ':' + sock.viaPort;
  if (sock.proto === 'tcp') s += ';transport=tcp';
  return s;
}

// Characters allowed unescaped in a uri-parameter value (RFC 3261 §25.1 paramchar:
// param-unreserved / unreserved); anything else is %-escaped, so that a From tag spelled with a
// character a URI cannot carry (a backquote, a quoted-string tag) still gives a well-formed header.
const PARAMCHAR = /^[A-Za-z0-9\-_.!~*'()[\]/:&+$]$/;
const HEX = '0123456789ABCDEF';

export function escapeParamValue(v: string): string {
  let out = '';
  for (let i = 0; i < v.length; i++) {
    const ch = v[i]!;
    if (PARAMCHAR.test(ch)) {
      out += ch;
    } else if (ch === '%' && /^%[0-9A-Fa-f]{2}/.test(v.slice(i, i + 3))) {
      out += v.slice(i, i + 3);
      i += 2;
    } else {
      const c = v.charCodeAt(i) & 0xff;
      out += '%' + HEX[c >> 4] + HEX[c & 15];
    }
  }
  return out;
}

export interface RrLineParts {
  /** the user part, '' for none */
  user: string;
  /** `host[:port][;transport=...]` */
  hostPart: string;
  r2: boolean;
  /** the From tag, undefined or '' for none */
  ftag: string | undefined;
  fullLr: boolean;
}

/** One Record-Route header line, with CRLF. */
export function rrLine(p: RrLineParts): string {
  let s = 'Record-Route: <sip:';
  if (p.user) s += p.user + '@';
  s += p.hostPart;
  if (p.r2) s += ';r2=on';
  if (p.ftag) s += ';ftag=' + escapeParamValue(p.ftag);
  s += p.fullLr ? ';lr=on>\r\n' : ';lr>\r\n';
  return s;
}

/** SER's COND_IF_DIFF_REALMS: the request leaves by another socket than it came on. */
export function differentRealms(a: SocketInfo, b: SocketInfo): boolean {
  return a.proto !== b.proto || a.address !== b.address || a.port !== b.port || a.viaHost !== b.viaHost || a.viaPort !== b.viaPort;
}

/**
 * SER's get_username(): the user part of the Request-URI as received, or, when it has none,
 * of the rewritten Request-URI. Only sip: and sips: URIs have one here.
 */
function rrUser(ctx: RequestContext): string {
  const ruri = ctx.msg.uri;
  if ((ruri.scheme === 'sip' || ruri.scheme === 'sips') && ruri.user) return ruri.user;
  if (ctx.newUri !== undefined && ctx.newUri !== ctx.msg.ruri) {
    const u = parseUri(ctx.newUri);
    if ((u.scheme === 'sip' || u.scheme === 'sips') && u.user) return u.user;
  }
  return '';
}

/** What every Record-Route of this request shares: the user part and the From tag. */
function commonParts(st: RrState, ctx: RequestContext, fn: string): { user: string; ftag: string | undefined } | undefined {
  const log = st.core.log;
  let user: string;
  try {
    user = rrUser(ctx);
  } catch (e) {
    if (!(e instanceof SipParseError)) throw e;
    log.err(`${fn}: Error while extracting username: ${e.message}`);
    return undefined;
  }
  let ftag: string | undefined;
  if (st.opts.appendFromTag) {
    try {
      ftag = ctx.msg.from.tag;
    } catch (e) {
      if (!(e instanceof SipParseError)) throw e;
      log.err(`${fn}: From parsing failed: ${e.message}`);
      return undefined;
    }
  }
  // detached: the Record-Route lines live as long as the transaction, the message need not
  return { user: detach(user), ftag: ftag === undefined ? undefined : detach(ftag) };
}

/**
 * record_route(): add our Record-Route (two with enable_double_rr when the request leaves by
 * another socket). Returns 1; -1 when called a second time for the same request (SER: "Double
 * attempt to record-route") or when the From header cannot be read for its tag.
 */
export function recordRoute(st: RrState, ctx: RequestContext): number {
  if (st.recorded.has(ctx)) {
    st.core.log.err('record_route(): Double attempt to record-route');
    return -1;
  }
  const common = commonParts(st, ctx, 'record_route()');
  if (!common) return -1;
  st.recorded.add(ctx);
  const { fullLr, doubleRr } = st.opts;
  const inbound = ctx.rcv.socket;
  const line = (sock: SocketInfo, r2: boolean) => rrLine({ user: common.user, hostPart: socketHostPart(sock), r2, ftag: common.ftag, fullLr });
  const single = line(inbound, false);
  ctx.outboundHeaders.push((out: SocketInfo) => {
    if (doubleRr && differentRealms(inbound, out)) return line(out, true) + line(inbound, true);
    return single;
  });
  return 1;
}

/**
 * Check record_route_preset's argument at start-up: what follows "sip:" in the URI (host, port,
 * parameters), so that `sip:` + it is a SIP URI without headers and fits in <...>.
 * Returns an error message, or undefined when it is fine.
 */
export function checkPreset(data: string): string | undefined {
  if (data === '') return 'the address must not be empty';
  if (/^sips?:/i.test(data)) return "give the address without 'sip:' (record_route_preset writes <sip:...> itself)";
  if (/[\s<>"?,]/.test(data)) return 'the address cannot contain whitespace, quotes, <, >, ? or commas';
  try {
    const u = parseUri('sip:' + data);
    if (u.user !== undefined) return 'the address cannot contain a user part (@)';
  } catch (e) {
    if (!(e instanceof SipParseError)) throw e;
    return `'sip:${data}' is not a valid SIP URI`;
  }
  return undefined;
}

/**
 * record_route_preset("host[:port][;params]"): add `Record-Route: <sip:[user@]DATA[;ftag=..];lr>`
 * (SER: "no checks, no restrictions"; one header whatever the sockets, not counted as a
 * record_route() call). Returns 1, or -1 when the From header cannot be read for its tag.
 */
export function recordRoutePreset(st: RrState, ctx: RequestContext, data: string): number {
  const common = commonParts(st, ctx, 'record_route_preset()');
  if (!common) return -1;
  const text = rrLine({ user: common.user, hostPart: data, r2: false, ftag: common.ftag, fullLr: st.opts.fullLr });
  ctx.outboundHeaders.push(() => text);
  return 1;
}
