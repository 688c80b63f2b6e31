import type { RequestContext } from '../../script/context.js';
import type { Core } from '../../script/core-api.js';

/** The rr module's parameters, as read at start-up. */
export interface RrOptions {
  /** enable_full_lr: write `;lr=on` instead of `;lr` */
  readonly fullLr: boolean;
  /** append_fromtag: put the From tag in our Record-Route as `;ftag=` */
  readonly appendFromTag: boolean;
  /** enable_double_rr: two Record-Route entries when the request changes socket; remove both later */
  readonly doubleRr: boolean;
}

export interface RrState {
  readonly core: Core;
  readonly opts: RrOptions;
  /** requests record_route() was called for (SER's last_rr_msg), against double record-routing */
  readonly recorded: WeakSet<RequestContext>;
  /** loose_route()'s answer per request: a second call returns it without editing again */
  readonly routed: WeakMap<RequestContext, number>;
}

export function createRrState(core: Core, opts: RrOptions): RrState {
  return { core, opts, recorded: new WeakSet(), routed: new WeakMap() };
}
