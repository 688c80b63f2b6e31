// What a module (and the core's own actions) declares to the script engine. The engine binds
// every call in the script to one of these at start-up: name, argument count, the route types
// where it may appear, and a fixup that converts constant arguments once. At run time a call is
// a closure over the module's state and the fixed arguments.

import type { Value } from './ast.js';
import type { ConfigError } from './config-error.js';
import type { Core } from './core-api.js';
import type { RequestContext } from './context.js';

// Route types (SER's REQUEST_ROUTE, FAILURE_ROUTE, later ONREPLY/BRANCH): a bit each.
export const REQUEST_ROUTE = 1;
export const FAILURE_ROUTE = 2;
export const ONREPLY_ROUTE = 4;
export const BRANCH_ROUTE = 8;
export const ANY_ROUTE = REQUEST_ROUTE | FAILURE_ROUTE | ONREPLY_ROUTE | BRANCH_ROUTE;

export function routeTypeNames(mask: number): string {
  const names: string[] = [];
  if (mask & REQUEST_ROUTE) names.push('route');
  if (mask & FAILURE_ROUTE) names.push('failure_route');
  if (mask & ONREPLY_ROUTE) names.push('onreply_route');
  if (mask & BRANCH_ROUTE) names.push('branch_route');
  return names.join(', ');
}

/** Script return convention: >0 true/continue, <0 false, 0 ends the current route block. */
export type ActionResult = number | Promise<number>;

/** Given to fixups so they can report errors at the right argument. */
export interface FixupContext {
  /** the module's parameter values (after modparam) */
  readonly params: Readonly<Record<string, number | string>>;
  /** a ConfigError pointing at argument `index` (0-based) of the call */
  error(index: number, message: string, hint?: string): ConfigError;
  /** the routes defined in the script, for functions that take a route number */
  hasRoute(kind: 'request' | 'failure', index: number): boolean;
}

export interface FunctionSpec<S> {
  /** accepted argument counts, e.g. [1, 2] */
  readonly arities: readonly number[];
  /** bit mask of the route types where the function may be used */
  readonly routes: number;
  /** converts the constant arguments once, at start-up; throw fx.error(...) to reject them */
  readonly fixup?: (args: readonly Value[], fx: FixupContext) => unknown;
  readonly run: (state: S, ctx: RequestContext, fixed: unknown) => ActionResult;
  /** one line for docs/configuration.md and `ser -h` style listings */
  readonly doc: string;
}

export type ParamValue = number | string;

export interface ParamSpec {
  readonly type: 'int' | 'string';
  readonly default: ParamValue;
  /** extra validation: return an error message to reject the value */
  readonly check?: (v: ParamValue) => string | undefined;
  readonly doc: string;
}

/** Hooks a module may register with the core. */
export interface ModuleHooks<S> {
  /** before the request route runs; return 0 to drop the request (e.g. sl's ACK filter) */
  readonly preScript?: (state: S, ctx: RequestContext) => number;
  /** the request route finished with `ctx` (also after an error): release what the script left behind */
  readonly postScript?: (state: S, ctx: RequestContext) => void;
  /** a response arrived; return true when the module consumed it (tm), false to let the core forward it statelessly */
  readonly onResponse?: (state: S, msg: import('../sip/parser/message.js').SipMessage, rcv: import('../sip/transport/socket-info.js').ReceiveInfo) => boolean;
}

export interface ModuleDescriptor<S = unknown> {
  readonly name: string;
  readonly doc: string;
  readonly params: Readonly<Record<string, ParamSpec>>;
  readonly functions: Readonly<Record<string, FunctionSpec<S>>>;
  /**
   * its state must see every message of the server (tm: a response must reach the process that
   * holds its transaction), so the server refuses to start worker processes with it
   */
  readonly singleProcess?: boolean;
  /** modules this one needs loaded first */
  readonly depends?: readonly string[];
  /** build the module's state once the core is up (sockets known) */
  readonly create: (core: Core, params: Readonly<Record<string, ParamValue>>) => S | Promise<S>;
  readonly hooks?: ModuleHooks<S>;
  readonly destroy?: (state: S) => void | Promise<void>;
}

/** Keeps the state type of a descriptor checked while storing it with others. */
export function defineModule<S>(d: ModuleDescriptor<S>): ModuleDescriptor<S> {
  return d;
}
