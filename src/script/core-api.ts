import type { Myself } from '../sip/myself.js';
import type { Resolver } from '../sip/transport/resolver.js';
import type { TransportLayer } from '../sip/transport/transport-layer.js';
import type { Logger } from '../util/logger.js';
import type { RequestContext } from './context.js';
import type { RpcRegistry } from './rpc.js';
import type { CoreConfig } from './core-config.js';

/** Counters of the SIP core, for statistics (serctl, FIFO, metrics). */
export interface CoreStats {
  requests: number;
  responses: number;
  parseErrors: number;
  rejected: number;
  droppedResponses: number;
  fwdRequests: number;
  fwdResponses: number;
  scriptErrors: number;
}

/** What the core offers to script actions and modules. */
export interface Core {
  readonly cfg: CoreConfig;
  readonly log: Logger;
  readonly transport: TransportLayer;
  readonly resolver: Resolver;
  readonly myself: Myself;
  readonly version: string;
  /** `Server: ...` header line without CRLF, sent when server_signature is on */
  readonly serverHeader: string;
  /** `User-Agent: ...` header line without CRLF, for requests we originate */
  readonly userAgentHeader: string;
  readonly stats: CoreStats;
  /** the management commands (FIFO, JSON-RPC); modules register theirs in create() */
  readonly rpc: RpcRegistry;
  /**
   * Send a locally generated response to `ctx`'s request: back on the TCP connection it came on,
   * to its source address (SER's default), or to its top Via when reply_to_via is set
   * (RFC 3261 §18.2.2). Resolves to false when it could not be sent.
   */
  sendReply(ctx: RequestContext, buf: Buffer): boolean | Promise<boolean>;
  /**
   * Answer `ctx`'s request without keeping state: the reply copies Via/From/To/Call-ID/CSeq,
   * gets a To-tag derived from the request, the Server and Warning headers the options ask
   * for, and `headers`; then it is sent with sendReply(). Never answers an ACK.
   */
  reply(ctx: RequestContext, status: number, reason: string, headers?: readonly string[]): boolean | Promise<boolean>;
  /** The bytes reply() would send, for senders that keep them (tm's server transactions). */
  buildReply(ctx: RequestContext, status: number, reason: string, headers?: readonly string[]): Buffer;
  /** A compiled route block of the script (failure_route[n] for tm); undefined when the script has none. */
  scriptRoute(kind: 'request' | 'failure', index: number): ((ctx: RequestContext) => number | Promise<number>) | undefined;
}
