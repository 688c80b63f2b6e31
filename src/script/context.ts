import { EditList } from '../sip/edit.js';
import type { SipMessage } from '../sip/parser/message.js';
import { parseUri, type SipUri } from '../sip/parser/uri.js';
import type { ReceiveInfo } from '../sip/transport/socket-info.js';
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

  /** The destination set: the current URI first, then the appended branches (SER §2.4). */
  destinationSet(): string[] {
    return [this.currentUri, ...this.branches];
  }
}
