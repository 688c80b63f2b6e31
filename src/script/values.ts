import { byteString } from '../sip/edit.js';
import type { Value } from './ast.js';
import type { FixupContext } from './module-api.js';

// Reading constant arguments and option values the way SER's grammar does: module function
// arguments are usually quoted strings ("10"), core actions take bare numbers and hosts; we
// accept either where the meaning is clear.

/** The text of a value, quoted or not. */
export function text(v: Value): string {
  return v.kind === 'string' ? v.value : v.text;
}

/** A decimal integer (optionally negative), quoted or not; undefined if it is not one. */
export function intOf(v: Value): number | undefined {
  const t = text(v).trim();
  if (!/^-?\d{1,15}$/.test(t)) return undefined;
  return Number(t);
}

export function argInt(args: readonly Value[], i: number, fx: FixupContext, what: string, min = -Infinity, max = Infinity): number {
  const n = intOf(args[i]!);
  if (n === undefined) throw fx.error(i, `${what} must be an integer, not '${text(args[i]!)}'`);
  if (n < min || n > max) throw fx.error(i, `${what} must be between ${min} and ${max}, not ${n}`);
  return n;
}

/** A reply's (status, reason) arguments, as sl_send_reply and t_reply take them. */
export interface StatusReason {
  status: number;
  reason: string;
}

export function fixStatusReason(args: readonly Value[], fx: FixupContext): StatusReason {
  const status = argInt(args, 0, fx, 'status code', 100, 699);
  const reason = byteString(argString(args, 1));
  if (/[\r\n]/.test(reason)) throw fx.error(1, 'the reason phrase cannot contain line breaks');
  return { status, reason };
}

export function argString(args: readonly Value[], i: number): string {
  return text(args[i]!);
}

const BOOL_WORDS: Record<string, boolean> = {
  yes: true, no: false, on: true, off: false, true: true, false: false,
  enable: true, disable: false, enabled: true, disabled: false, '1': true, '0': false,
};

export function boolOf(v: Value): boolean | undefined {
  return BOOL_WORDS[text(v).toLowerCase()];
}
