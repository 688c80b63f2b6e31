import { L_DBG } from '../../util/logger.js';
import type { Core } from '../core-api.js';
import { MAX_FLAG, MAX_LEN } from '../core-config.js';
import { ANY_ROUTE, type FunctionSpec } from '../module-api.js';
import { argInt, text } from '../values.js';

// log, flags and len_gt (SER §6.2 "Logging", "Flag Manipulation", "Miscellaneous").

const flagArg = (args: readonly import('../ast.js').Value[], fx: import('../module-api.js').FixupContext) =>
  argInt(args, 0, fx, 'flag', 0, MAX_FLAG);

export const MISC_ACTIONS: Record<string, FunctionSpec<Core>> = {
  log: {
    arities: [1, 2],
    routes: ANY_ROUTE,
    // log("text") logs at level 4 (L_DBG), log(level, "text") at that level (SER §6.2)
    fixup: (args, fx) =>
      args.length === 1 ? { level: L_DBG, text: text(args[0]!) } : { level: argInt(args, 0, fx, 'log level', -3, 9), text: text(args[1]!) },
    run: (core, _ctx, f) => {
      const { level, text: t } = f as { level: number; text: string };
      core.log.log(level, t);
      return 1;
    },
    doc: 'log([level,] "message"): print the message when level <= debug (default level 4)',
  },
  setflag: {
    arities: [1],
    routes: ANY_ROUTE,
    fixup: flagArg,
    run: (_c, ctx, n) => {
      ctx.flags = (ctx.flags | (1 << (n as number))) >>> 0;
      return 1;
    },
    doc: 'setflag(n): set flag n (0..31) of the message',
  },
  resetflag: {
    arities: [1],
    routes: ANY_ROUTE,
    fixup: flagArg,
    run: (_c, ctx, n) => {
      ctx.flags = (ctx.flags & ~(1 << (n as number))) >>> 0;
      return 1;
    },
    doc: 'resetflag(n): clear flag n',
  },
  isflagset: {
    arities: [1],
    routes: ANY_ROUTE,
    fixup: flagArg,
    run: (_c, ctx, n) => ((ctx.flags >>> (n as number)) & 1 ? 1 : -1),
    doc: 'isflagset(n): true when flag n is set',
  },
  len_gt: {
    arities: [1],
    routes: ANY_ROUTE,
    fixup: (args, fx) => (text(args[0]!) === 'max_len' ? MAX_LEN : argInt(args, 0, fx, 'length', 0)),
    // SER compares with >= (action.c), whatever the name says
    run: (_c, ctx, n) => (ctx.msg.buf.length >= (n as number) ? 1 : -1),
    doc: `len_gt(n | max_len): true when the message is at least n bytes long (max_len = ${MAX_LEN})`,
  },
};
