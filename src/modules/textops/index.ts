import type { Value } from '../../script/ast.js';
import { defineModule, FAILURE_ROUTE, REQUEST_ROUTE, type FixupContext } from '../../script/module-api.js';
import { text } from '../../script/values.js';
import { byteString } from '../../sip/edit.js';
import { canonicalHeaderName } from '../../sip/parser/header-names.js';
import { appendHf, appendUriHf, isPresentHf, removeHf } from './header-fields.js';
import { FIELD_START, headerLines } from './header-lines.js';
import { fixRegex } from './regex-arg.js';
import { appendToReply } from './reply-lines.js';
import { replaceAll, replaceFirst, search, searchAppend } from './search-replace.js';

// SER's textops module: the message as text. Regular expressions and strings are converted once
// at start-up (SER's fixup_regex / str_fixup); a bad one stops the server with the argument's
// position. SER 0.8 had no route types for module functions; these work on the request, so
// request and failure routes (Example 3-11 appends a header in a failure_route).

const ROUTES = REQUEST_ROUTE | FAILURE_ROUTE;

/** field-name = token (RFC 3261 §25.1) */
const TOKEN = /^[A-Za-z0-9\-.!%*_+`'~]+$/;

interface RegexAndText {
  readonly re: RegExp;
  readonly text: string;
}

function fixRegexAndText(args: readonly Value[], fx: FixupContext): RegexAndText {
  return { re: fixRegex(args, 0, fx), text: byteString(text(args[1]!)) };
}

/** Header lines given as text, with their CRLF (see header-lines.ts). */
function fixLines(args: readonly Value[], i: number, fx: FixupContext): string[] {
  const lines = headerLines(byteString(text(args[i]!)));
  if (typeof lines === 'string') throw fx.error(i, lines, 'give whole header lines, e.g. "P-Hint: outbound\\r\\n"');
  return lines;
}

/** A header field name, as its canonical form (lower-case long name; compact forms mapped). */
function fixName(args: readonly Value[], fx: FixupContext): string {
  const name = text(args[0]!);
  if (!TOKEN.test(name)) {
    const bare = name.replace(/[\s:]+$/, '').trim();
    throw fx.error(0, `'${name}' is not a header field name`, TOKEN.test(bare) ? `write "${bare}", without the colon` : undefined);
  }
  return canonicalHeaderName(name);
}

interface UriHf {
  readonly prefix: string;
  readonly suffix: string;
}

function fixUriHf(args: readonly Value[], fx: FixupContext): UriHf {
  const prefix = byteString(text(args[0]!));
  const suffix = byteString(text(args[1]!));
  // checked as the line it makes, with a stand-in URI
  if (/[\r\n]/.test(prefix) || !FIELD_START.test(prefix)) {
    throw fx.error(0, `the prefix '${prefix}' must start a header line: "Name: " before the URI`, 'e.g. append_urihf("CC-Diversion: ", "\\r\\n")');
  }
  const lines = headerLines(prefix + 'sip:u@h' + suffix);
  if (typeof lines === 'string') throw fx.error(1, `the suffix makes a bad header: ${lines}`, 'e.g. ">\\r\\n"');
  // a missing final CRLF is added
  return { prefix, suffix: /\r\n$/.test(suffix) ? suffix : suffix.replace(/\n$/, '') + '\r\n' };
}

export default defineModule<null>({
  name: 'textops',
  doc: 'the message as text: regular expression search and replace, adding and removing header fields, lines for local replies',
  params: {},
  functions: {
    search: {
      arities: [1],
      routes: ROUTES,
      fixup: (args, fx) => fixRegex(args, 0, fx),
      run: (_s, ctx, re) => search(ctx, re as RegExp),
      doc: 'search("^(f|From):.*@example\\.com"): true if the POSIX regular expression (case-insensitive, line by line) matches the message, head or body',
    },
    search_append: {
      arities: [2],
      routes: ROUTES,
      fixup: fixRegexAndText,
      run: (_s, ctx, f) => searchAppend(ctx, (f as RegexAndText).re, (f as RegexAndText).text),
      doc: 'search_append(re, text): insert text after the first match (from the second line on); false if none',
    },
    replace: {
      arities: [2],
      routes: ROUTES,
      fixup: fixRegexAndText,
      run: (_s, ctx, f) => replaceFirst(ctx, (f as RegexAndText).re, (f as RegexAndText).text),
      doc: 'replace(re, text): replace the first match (from the second line on, head or body); false if none',
    },
    replace_all: {
      arities: [2],
      routes: ROUTES,
      fixup: fixRegexAndText,
      run: (_s, ctx, f) => replaceAll(ctx, (f as RegexAndText).re, (f as RegexAndText).text),
      doc: 'replace_all(re, text): replace every match (from the second line on, head or body); false if none',
    },
    append_hf: {
      arities: [1],
      routes: ROUTES,
      fixup: (args, fx) => fixLines(args, 0, fx).map((l) => l + '\r\n').join(''),
      run: (_s, ctx, lines) => appendHf(ctx, lines as string),
      doc: 'append_hf("P-Hint: usrloc\\r\\n"): add header lines after the last header field',
    },
    append_urihf: {
      arities: [2],
      routes: ROUTES,
      fixup: fixUriHf,
      run: (_s, ctx, f) => appendUriHf(ctx, (f as UriHf).prefix, (f as UriHf).suffix),
      doc: 'append_urihf("CC-Diversion: ", "\\r\\n"): add a header line prefix + current Request-URI + suffix after the last header field',
    },
    append_to_reply: {
      arities: [1],
      routes: ROUTES,
      fixup: (args, fx) => fixLines(args, 0, fx),
      run: (_s, ctx, lines) => appendToReply(ctx, lines as string[]),
      doc: 'append_to_reply("Foo: bar\\r\\n"): add header lines to every reply the server makes for this request',
    },
    is_present_hf: {
      arities: [1],
      routes: ROUTES,
      fixup: fixName,
      run: (_s, ctx, name) => isPresentHf(ctx, name as string),
      doc: 'is_present_hf("From"): true if the request has such a header field (any case, compact forms too)',
    },
    remove_hf: {
      arities: [1],
      routes: ROUTES,
      fixup: fixName,
      run: (_s, ctx, name) => removeHf(ctx, name as string),
      doc: 'remove_hf("X-Foo"): remove every header field of that name (any case, compact forms too); false if none',
    },
  },
  create: () => null,
});
