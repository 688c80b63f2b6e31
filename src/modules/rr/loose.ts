// loose_route(): SER 0.8's rr/loose.c, RFC 3261 §16.4 (route information preprocessing) and
// §16.12 (processing of Route header fields, strict and loose routers).
//
// Two cases, told apart by the Request-URI as received:
//
// - It is a Record-Route value of ours (our address and port, with the `lr` parameter every
//   Record-Route we write carries): the previous hop was a strict router, which put our URI in
//   the Request-URI (SER's route_after_strict). A Route of ours on top (the other entry of a
//   double Record-Route) is removed. If the next Route is a strict router, it becomes the
//   Request-URI and is removed; if it is a loose router, it becomes the destination and the
//   last Route value, which holds the remote target (§16.4), becomes the Request-URI and is
//   removed.
//
// - Otherwise (SER's route_after_loose): a Route of ours on top is removed, with the next one
//   too when it is ours and ours carried `r2` (double record-routing). The next Route, if any, is
//   the next hop: a loose router (`lr`) becomes the destination (ctx.dstUri), the Request-URI
//   stays; a strict router becomes the Request-URI, its Route value is removed and the old
//   Request-URI is appended as the last Route value (§16.6 step 6, §12.2.1.1).
//
// Returns 1 when the Route set decided where the request goes, -1 when there is no Route (or
// only our own, see below), or when a Route header or URI is malformed (logged, nothing edited).
// When the only Route values were ours, they are removed and the request goes to its
// Request-URI: that is 1 for a request inside a dialog (a To tag), -1 for an initial request
// with a preloaded route (no To tag), which the script must then route by its Request-URI
// (location lookup...), as Kamailio's rr does. SER 0.8 answered -1 in both cases.

import type { Myself } from '../../sip/myself.js';
import { SipParseError } from '../../sip/parser/errors.js';
import type { NameAddr } from '../../sip/parser/message.js';
import { parseUri, uriParam, type SipUri } from '../../sip/parser/uri.js';
import { endOfHeaders } from '../../sip/proxy/stateless.js';
import type { RequestContext } from '../../script/context.js';
import { removeRouteValues } from './route-edits.js';
import type { RrState } from './state.js';

/** What loose_route() decided, applied only once everything was read without error. */
interface Plan {
  result: number;
  /** indexes into msg.routes of the values to remove */
  remove: Set<number>;
  newUri?: string;
  dstUri?: string;
  /** a Route header line to add after the others */
  appendRoute?: string;
}

function isSip(u: SipUri): boolean {
  return u.scheme === 'sip' || u.scheme === 'sips';
}

function hasParam(u: SipUri, name: string): boolean {
  return uriParam(u, name) !== undefined;
}

/** The Route values with their URIs, parsed when first asked for (a malformed one throws SipParseError). */
class RouteSet {
  private readonly parsed: (SipUri | undefined)[] = [];
  constructor(
    readonly values: readonly NameAddr[],
    private readonly myself: Myself,
  ) {}

  get length(): number {
    return this.values.length;
  }

  uriText(i: number): string {
    return this.values[i]!.uri;
  }

  uri(i: number): SipUri {
    return (this.parsed[i] ??= parseUri(this.values[i]!.uri));
  }

  /** Route value i names this server (host and port; maddr is not looked at, as in SER). */
  ours(i: number): boolean {
    const u = this.uri(i);
    return isSip(u) && this.myself.isMyself(u.host, u.port, u.scheme === 'sips');
  }

  /** Route value i as a next hop: it must be a SIP URI. */
  nextHop(i: number): SipUri {
    const u = this.uri(i);
    if (!isSip(u)) throw new SipParseError('E_ROUTE', `next hop <${this.values[i]!.uri}> is not a SIP or SIPS URI`);
    return u;
  }
}

export function looseRoute(st: RrState, ctx: RequestContext): number {
  const done = st.routed.get(ctx);
  if (done !== undefined) return done;
  let result: number;
  try {
    result = route(st, ctx);
  } catch (e) {
    if (!(e instanceof SipParseError)) throw e;
    st.core.log.err(`loose_route(): ${e.message}`);
    result = -1;
  }
  st.routed.set(ctx, result);
  return result;
}

function route(st: RrState, ctx: RequestContext): number {
  const msg = ctx.msg;
  const log = st.core.log;
  let routes: readonly NameAddr[];
  try {
    routes = msg.routes;
  } catch (e) {
    if (!(e instanceof SipParseError)) throw e;
    log.err(`loose_route(): Error while parsing Route header field: ${e.message}`);
    return -1;
  }
  if (routes.length === 0) return -1;

  const myself = st.core.myself;
  const rs = new RouteSet(routes, myself);
  const ruri = msg.uri;
  const afterStrict = isSip(ruri) && hasParam(ruri, 'lr') && myself.isMyself(ruri.host, ruri.port, ruri.scheme === 'sips');
  const plan = afterStrict ? routeAfterStrict(rs) : routeAfterLoose(st, ctx, rs);

  removeRouteValues(routes, plan.remove, ctx.edits);
  if (plan.appendRoute !== undefined) ctx.edits.insert(endOfHeaders(msg), plan.appendRoute);
  if (plan.newUri !== undefined) ctx.newUri = plan.newUri;
  if (plan.dstUri !== undefined) ctx.dstUri = plan.dstUri;
  return plan.result;
}

/** The previous hop was a strict router: the Request-URI is a Record-Route value of ours. */
function routeAfterStrict(rs: RouteSet): Plan {
  const remove = new Set<number>();
  let i = 0;
  if (rs.ours(0)) {
    remove.add(0);
    i = 1;
  }
  // nothing but our own Route: the Request-URI (ours) stands, the script decides
  if (i >= rs.length) return { result: -1, remove };
  const next = rs.nextHop(i);
  if (!hasParam(next, 'lr')) {
    // strict next hop: behave as a strict router (the remote target is already the last Route)
    remove.add(i);
    return { result: 1, remove, newUri: rs.uriText(i) };
  }
  // loose next hop: it is the destination; the remote target comes back from the last Route
  const last = rs.length - 1;
  rs.nextHop(last);
  remove.add(last);
  return { result: 1, remove, dstUri: rs.uriText(i), newUri: rs.uriText(last) };
}

/** The Request-URI is not ours: the usual loose routing. */
function routeAfterLoose(st: RrState, ctx: RequestContext, rs: RouteSet): Plan {
  const remove = new Set<number>();
  let i = 0;
  if (rs.ours(0)) {
    remove.add(0);
    i = 1;
    // double record-routing: our second entry follows the first, which says so with r2
    if (st.opts.doubleRr && i < rs.length && hasParam(rs.uri(0), 'r2') && rs.ours(1)) {
      remove.add(1);
      i = 2;
    }
    if (i >= rs.length) return { result: inDialog(ctx) ? 1 : -1, remove };
  }
  const next = rs.nextHop(i);
  if (hasParam(next, 'lr')) return { result: 1, remove, dstUri: rs.uriText(i) };
  // strict next hop (RFC 3261 §16.6 step 6): it goes into the Request-URI, and the Request-URI
  // becomes the last Route value
  remove.add(i);
  return { result: 1, remove, newUri: rs.uriText(i), appendRoute: `Route: <${ctx.currentUri}>\r\n` };
}

/** A request inside a dialog carries a To tag (RFC 3261 §12.2). */
function inDialog(ctx: RequestContext): boolean {
  try {
    return !!ctx.msg.to.tag;
  } catch (e) {
    if (!(e instanceof SipParseError)) throw e;
    return false;
  }
}
