import { EditList } from '../sip/edit.js';
import { parseMessage, type SipMessage } from '../sip/parser/message.js';
import { parseUri, type SipUri } from '../sip/parser/uri.js';
import type { ReceiveInfo, SocketInfo } from '../sip/transport/socket-info.js';
import type { Core } from './core-api.js';
import { REQUEST_ROUTE } from './module-api.js';
import { E_UNSPEC } from './ser-error.js';

/**
 * Everything the script works on for one request (SER's struct sip_msg plus its run-time
 * fields): the parsed message, where it came from, the current Request-URI and destination set,
 * the flags, and the edits that will shape the forwarded copy.
 */
export class RequestContext {
  /** the rewritten Request-URI (SER's new_uri); undefined while the original stands */
  newUri: string | undefined = undefined;
  /** URIs appended to the destination set (append_branch); the current URI is always the first */
  branches: string[] = [];
  flags = 0;
  readonly edits = new EditList();
  /** the error code of the last failed action (SER's ser_error), for sl_reply_error() */
  serError = E_UNSPEC;
  prevSerError = E_UNSPEC;
  routeType = REQUEST_ROUTE;
  /** route(n) nesting depth */
  depth = 0;
  /** set once Max-Forwards was checked and decremented (maxfwd), so forwarding does not do it again */
  maxFwdProcessed = false;
  /**
   * Where the request goes next when that is not its Request-URI (Kamailio's $du): set by
   * loose_route() when the next hop is a loose router, RFC 3261 §16.12 (the Request-URI stays).
   */
  dstUri: string | undefined = undefined;
  /**
   * Header lines (each with CRLF) that depend on the socket the request leaves by, such as
   * Record-Route (RFC 3261 §16.6 step 4); forwarding calls them with that socket and inserts
   * the result as the first header lines.
   */
  readonly outboundHeaders: ((out: SocketInfo) => string)[] = [];
  /**
   * Header lines (byte strings, without CRLF) for every reply the server itself builds for this
   * request: sl_send_reply, t_reply, tm's own replies, the registrar's, auth challenges (SER's
   * reply lumps, add_lump_rpl; textops' append_to_reply()).
   */
  readonly replyHeaders: string[] = [];
  /** failure_route[n] armed by t_on_failure(n) for the transaction t_relay creates (0: none) */
  failureRoute = 0;
  /** the transaction this request belongs to, once tm created or found it (t_newtran, t_relay) */
  transaction: object | undefined = undefined;
  /**
   * The digest credentials www_authorize()/proxy_authorize() accepted (SER marked the header
   * "authorized"): is_user_in("Credentials"), check_to() and check_from() read them.
   */
  authorized: AuthorizedCredentials | undefined = undefined;
  /** set when the credentials carried an expired nonce of ours: the next challenge says stale=true */
  authStale = false;
  private uriCache: { text: string; uri: SipUri } | undefined;

  constructor(
    readonly core: Core,
    readonly msg: SipMessage,
    readonly rcv: ReceiveInfo,
  ) {}

  /** The current Request-URI: what `uri` in the script and every forwarding action use. */
  get currentUri(): string {
    return this.newUri ?? this.msg.ruri;
  }

  /** The current Request-URI, parsed (cached until it changes). Throws SipParseError if malformed. */
  currentUriParsed(): SipUri {
    const text = this.currentUri;
    if (this.uriCache?.text !== text) {
      this.uriCache = { text, uri: text === this.msg.ruri ? this.msg.uri : parseUri(text) };
    }
    return this.uriCache.uri;
  }

  /**
   * A context for another route over the same request (tm's failure_route): the same message,
   * flags, URIs and edits as this one has now, so new branches leave as the first ones did.
   */
  fork(routeType: number): RequestContext {
    return carryOver(this, new RequestContext(this.core, this.msg, this.rcv), routeType);
  }

  /**
   * What a transaction keeps of this request while it waits (tm): the received bytes and the
   * script's results, without the parsed message, which is several times the size of the bytes.
   */
  snapshot(): RequestSnapshot {
    return new RequestSnapshot(this);
  }

  /** The URI that decides the next hop: the destination URI when set, else the current Request-URI. */
  get nextHopUri(): string {
    return this.dstUri ?? this.currentUri;
  }

  /** The destination set: the current URI first, then the appended branches (SER §2.4). */
  destinationSet(): string[] {
    return [this.currentUri, ...this.branches];
  }
}

/** Who the request proved to be (auth_db). */
export interface AuthorizedCredentials {
  /** the digest username as sent (may be user@domain) */
  readonly username: string;
  /** the user part: the username up to an '@' */
  readonly user: string;
  /** the realm the credentials were checked against */
  readonly realm: string;
  /** the domain of the user: after the '@' of the username, else the realm */
  readonly domain: string;
}

/** The script's results that outlive one route block: what fork() and snapshots carry over. */
interface Carried {
  readonly newUri: string | undefined;
  readonly dstUri: string | undefined;
  readonly flags: number;
  readonly edits: EditList;
  readonly outboundHeaders: readonly ((out: SocketInfo) => string)[];
  readonly replyHeaders: readonly string[];
  readonly maxFwdProcessed: boolean;
  readonly transaction: object | undefined;
  readonly failureRoute: number;
  readonly authorized: AuthorizedCredentials | undefined;
}

function carryOver(from: Carried, to: RequestContext, routeType: number): RequestContext {
  to.newUri = from.newUri;
  to.dstUri = from.dstUri;
  to.flags = from.flags;
  to.edits.copyFrom(from.edits);
  to.outboundHeaders.push(...from.outboundHeaders);
  to.replyHeaders.push(...from.replyHeaders);
  to.maxFwdProcessed = from.maxFwdProcessed;
  to.transaction = from.transaction;
  to.failureRoute = from.failureRoute;
  to.authorized = from.authorized;
  to.routeType = routeType;
  return to;
}

/** A request put aside (see RequestContext.snapshot); restore() parses it again, as it was. */
export class RequestSnapshot {
  private readonly core: Core;
  private readonly buf: Buffer;
  private readonly rcv: ReceiveInfo;
  private readonly carried: Carried;

  constructor(ctx: RequestContext) {
    this.core = ctx.core;
    this.buf = ctx.msg.buf;
    this.rcv = ctx.rcv;
    const { newUri, dstUri, flags, edits, outboundHeaders, replyHeaders, maxFwdProcessed, transaction, failureRoute, authorized } = ctx;
    this.carried = { newUri, dstUri, flags, edits, outboundHeaders, replyHeaders, maxFwdProcessed, transaction, failureRoute, authorized };
  }

  /** A context for `routeType` over the same request (the bytes parsed again: they parsed before). */
  restore(routeType: number): RequestContext {
    const msg = parseMessage(this.buf, this.rcv.proto === 'udp' ? 'datagram' : 'stream');
    return carryOver(this.carried, new RequestContext(this.core, msg, this.rcv), routeType);
  }
}
