import type { Core } from '../core-api.js';
import type { FunctionSpec } from '../module-api.js';
import { FORWARD_ACTIONS } from './forward.js';
import { MISC_ACTIONS } from './misc.js';
import { URI_ACTIONS } from './uri.js';

/**
 * The core's built-in actions (SER §6.2). `route(n)`, `break` and `drop` are handled by the
 * compiler itself.
 */
export const CORE_ACTIONS: Readonly<Record<string, FunctionSpec<Core>>> = {
  ...FORWARD_ACTIONS,
  ...URI_ACTIONS,
  ...MISC_ACTIONS,
};
