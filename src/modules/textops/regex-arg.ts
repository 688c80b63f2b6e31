import type { Value } from '../../script/ast.js';
import type { FixupContext } from '../../script/module-api.js';
import { text } from '../../script/values.js';
import { byteString } from '../../sip/edit.js';
import { compilePosixRegex } from '../../util/posix-regex.js';

/**
 * A regular expression argument, compiled once at start-up as SER's fixup_regex did:
 * regcomp(REG_EXTENDED|REG_ICASE|REG_NEWLINE). REG_NEWLINE matters for SIP text: `.` stops at
 * the end of a line, so "^(f|From):.*foo.bar" (admin guide §3.2.11) looks at one header line,
 * and `^` matches at the start of every line. A bad expression is a configuration error at the
 * argument, not a run-time failure.
 *
 * The pattern is taken as bytes (UTF-8 text of the configuration as a byte string), as regcomp
 * in the C locale did, because the message is matched as bytes. The RegExp carries the `g` flag:
 * callers set lastIndex to where the search starts.
 */
export function fixRegex(args: readonly Value[], i: number, fx: FixupContext): RegExp {
  const src = byteString(text(args[i]!));
  let re: RegExp;
  try {
    re = compilePosixRegex(src, { newline: true });
  } catch (e) {
    throw fx.error(
      i,
      `bad regular expression: ${(e as Error).message}`,
      'textops takes POSIX extended regular expressions, case-insensitive, as SER did, e.g. "^(f|From):.*@example\\.com"',
    );
  }
  return new RegExp(re.source, re.flags + 'g');
}
