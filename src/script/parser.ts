// Parser for ser.cfg, the SER 0.8 routing script (admin guide chapter 2 and §6; cfg.y).
//
//   script     := item*
//   item       := NAME '=' value value*            (global option, §6.1; extra values on the same line)
//               | 'loadmodule' value
//               | 'modparam' '(' value ',' value ',' value ')'
//               | ROUTE_KW ['[' NUMBER ']'] '{' stmt* '}'
//               | ';'
//   ROUTE_KW   := route | failure_route | reply_route (old name of failure_route)
//               | onreply_route | branch_route (parsed; the resolver rejects them)
//   stmt       := call ';' | 'break' ['(' ')'] ';' | if | '{' stmt* '}' | ';'
//   if         := 'if' expr branch ['else' branch]
//   branch     := call [';'] | 'break' [';'] | if | '{' stmt* '}' [';' before else]
//   call       := NAME ['(' [value (',' value)*] ')']
//   expr       := and (('||' | 'or' | '|') and)*
//   and        := unary (('&&' | 'and' | '&') unary)*
//   unary      := ('!' | 'not') unary | '(' expr ')' | NUMBER | OPERAND CMPOP value | call
//   value      := STRING | word (adjacent atoms and square brackets: 10.0.0.1, [::1]:5060)
//
// Leniency (each documented where it is implemented): a missing ';' after a call is accepted
// with a warning when the next token is on a later line or is '}'; `f(); else` as well as
// `f() else`; `} ; else`; a single '&' / '|' as and / or (SER 0.8's cfg.l, used by the guide's
// pstn.cfg); strings may span lines (as in SER), with a warning; `if (c) ;` with a warning; a
// condition need not be in parentheses (`if !f() { ... }`, as cfg.y allows).

import type {
  Block,
  Break,
  Call,
  CmpOp,
  Expr,
  If,
  Loc,
  Operand,
  RouteBlock,
  RouteKind,
  Script,
  Stmt,
  TopItem,
  Value,
} from './ast.js';
import { ConfigError } from './config-error.js';
import { tokenize, type Token } from './lexer.js';
import { suggest } from '../util/suggest.js';

/** Number of route blocks of each kind (SER's RT_NO): indexes 0 .. ROUTE_TABLE_SIZE-1. */
export const ROUTE_TABLE_SIZE = 10;

/** Left-hand operands of conditions (Table 2-1); case-sensitive, lower case. */
export const OPERANDS: readonly Operand[] = ['method', 'uri', 'src_ip', 'dst_ip', 'src_port', 'dst_port', 'proto', 'af'];

export const CMP_OPS: readonly CmpOp[] = ['==', '!=', '=~', '!~'];

const ROUTE_KEYWORDS = new Map<string, RouteKind>([
  ['route', 'request'],
  ['failure_route', 'failure'],
  ['reply_route', 'failure'],
  ['onreply_route', 'onreply'],
  ['branch_route', 'branch'],
]);

const TOP_KEYWORDS = ['loadmodule', 'modparam', ...ROUTE_KEYWORDS.keys()];

/** Words that cannot be used as a function name or an operand inside a route. */
const RESERVED = new Set(['if', 'else', 'break', 'and', 'or', 'not']);

/** How deep statements and expressions may nest. */
const MAX_NESTING = 256;

const IDENT_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
const NUMBER_RE = /^[-+]?(?:0[xX][0-9a-fA-F]+|[0-9]+)$/;

export interface ParseResult {
  script: Script;
  warnings: ConfigError[];
}

/**
 * Parses a ser.cfg script. Throws a ConfigError for the first syntax error; returns the syntax
 * tree and the warnings (deprecated syntax, missing ';', ...) otherwise.
 */
export function parseScript(text: string, file: string): ParseResult {
  const lex = tokenize(text, file);
  const parser = new Parser(lex.tokens, file, text);
  let script: Script;
  try {
    script = parser.parseScript();
  } catch (e) {
    if (e instanceof ConfigError) throw blameMultilineString(e, lex.multilineStrings, file, text);
    throw e;
  }
  const warnings = [...lex.warnings, ...parser.warnings];
  warnings.sort((a, b) => (a.loc!.line - b.loc!.line) || (a.loc!.col - b.loc!.col));
  return { script, warnings };
}

/**
 * SER lets a string span lines, so a missing closing quote makes the string run on to the
 * next quote, and the error only shows up there. When the error is on the line where such a
 * multi-line string ended, report the string's opening quote instead.
 */
function blameMultilineString(err: ConfigError, strings: Token[], file: string, text: string): ConfigError {
  const loc = err.loc;
  if (!loc || err.severity !== 'error') return err;
  for (let i = strings.length - 1; i >= 0; i--) {
    const s = strings[i]!;
    if (s.endLine === loc.line && s.endCol <= loc.col) {
      return new ConfigError(
        'unterminated string',
        { file, line: s.line, col: s.col, len: restOfLine(text, s.start) },
        `this string has no closing quote on its line, so it runs on to line ${s.endLine}, col ${s.endCol - 1}` +
          ` (strings may span lines), which leads to: ${err.message} (at ${loc.line}:${loc.col})`,
      );
    }
    if (s.endLine < loc.line) break;
  }
  return err;
}

function restOfLine(text: string, offset: number): number {
  let e = offset;
  while (e < text.length && text[e] !== '\n' && text[e] !== '\r') e++;
  return Math.max(1, e - offset);
}

/** How a token is named in messages. */
function describe(t: Token): string {
  switch (t.kind) {
    case 'eof':
      return 'end of file';
    case 'string': {
      const v = t.value.replace(/\n/g, '\\n');
      return `string ${t.text[0]}${v.length > 24 ? v.slice(0, 21) + '...' : v}${t.text[0]}`;
    }
    case 'other': {
      const cp = t.text.codePointAt(0)!;
      if (cp < 0x20 || cp > 0x7e) return `character '${t.text}' (U+${cp.toString(16).toUpperCase().padStart(4, '0')})`;
      return `'${t.text}'`;
    }
    default:
      return `'${t.text.length > 30 ? t.text.slice(0, 27) + '...' : t.text}'`;
  }
}

function otherHint(t: Token): string | undefined {
  if (t.kind !== 'other') return undefined;
  if ('\u2018\u2019\u201a\u201b\u00b4`'.includes(t.text)) return "use a plain ASCII quote: ' or \"";
  if ('\u201c\u201d\u201e'.includes(t.text)) return 'use a plain ASCII double quote: "';
  if (t.text === '>' || t.text === '<') return 'SER 0.8 compares with ==, !=, =~ and !~ only';
  if (t.text === '\\') return 'a backslash is only meaningful inside a quoted string';
  return undefined;
}

interface Ctx {
  /** an `else` may follow (we are in the then-branch of an if) */
  allowElse: boolean;
}

class Parser {
  readonly warnings: ConfigError[] = [];
  private i = 0;
  private depth = 0;
  /** `{` tokens of the blocks being parsed, innermost last */
  private readonly open: Token[] = [];
  /** blocks already closed, for the indentation hint about a missing '}' */
  private readonly closed: { open: Token; close: Token }[] = [];

  constructor(
    private readonly toks: Token[],
    private readonly file: string,
    private readonly text: string,
  ) {}

  // ---------------------------------------------------------------- tokens

  /** The current token; throws the lexical error if we reached one. */
  private peek(): Token {
    const t = this.toks[Math.min(this.i, this.toks.length - 1)]!;
    if (t.kind === 'error') throw t.error!;
    return t;
  }

  /** A look-ahead token (possibly an 'error' one: it matches nothing). */
  private ahead(k: number): Token {
    return this.toks[Math.min(this.i + k, this.toks.length - 1)]!;
  }

  private next(): Token {
    const t = this.peek();
    if (this.i < this.toks.length - 1) this.i++;
    return t;
  }

  private isPunct(t: Token, p: string): boolean {
    return t.kind === 'punct' && t.text === p;
  }

  private isAtom(t: Token, a?: string): boolean {
    return t.kind === 'atom' && (a === undefined || t.text === a);
  }

  private isIdent(t: Token): boolean {
    return t.kind === 'atom' && IDENT_RE.test(t.text);
  }

  private expectPunct(p: string, what: string, hint?: string): Token {
    const t = this.peek();
    if (!this.isPunct(t, p)) throw this.unexpected(t, what, hint);
    return this.next();
  }

  // ---------------------------------------------------------------- locations & errors

  loc(t: Token, len?: number): Loc {
    const l = len ?? (t.endLine === t.line ? t.end - t.start : restOfLine(this.text, t.start));
    return { file: this.file, line: t.line, col: t.col, len: Math.max(1, l) };
  }

  /** From the start of `a` to the end of `b`; only `a` if they are on different lines. */
  span(a: Token, b: Token): Loc {
    if (b.endLine === a.line && b.end > a.start) return this.loc(a, b.end - a.start);
    return this.loc(a);
  }

  error(t: Token, message: string, hint?: string): ConfigError {
    return new ConfigError(message, this.loc(t), hint ?? otherHint(t));
  }

  unexpected(t: Token, expected: string, hint?: string): ConfigError {
    if (t.kind === 'error') return t.error!;
    if (t.kind === 'eof' && this.open.length) return this.unclosed('the file ends before it is closed');
    return this.error(t, `unexpected ${describe(t)}, expected ${expected}`, otherHint(t) ?? hint);
  }

  /** The error for a missing '}': points at the innermost '{' still open. */
  unclosed(why: string): ConfigError {
    const brace = this.open[this.open.length - 1]!;
    let hint = `${why}; add the missing '}'`;
    const suspect = this.indentSuspect();
    if (suspect) {
      hint +=
        `; judging by the indentation, the '}' may be missing for the '{' at ` +
        `${suspect.open.line}:${suspect.open.col} (the '}' at ${suspect.close.line}:${suspect.close.col} that closes it is indented differently)`;
    }
    return new ConfigError("unclosed '{'", this.loc(brace), hint);
  }

  private lineStarts?: number[];

  private indentOf(line: number): string | undefined {
    if (!this.lineStarts) {
      this.lineStarts = [0];
      for (let k = this.text.indexOf('\n'); k >= 0; k = this.text.indexOf('\n', k + 1)) this.lineStarts.push(k + 1);
    }
    const start = this.lineStarts[line - 1];
    if (start === undefined) return undefined;
    const m = /^[ \t]*/.exec(this.text.slice(start, start + 200))!;
    return m[0].replace(/\t/g, '        ');
  }

  /** Among blocks closed inside the unclosed one, the last whose '}' is indented unlike its '{' line. */
  private indentSuspect(): { open: Token; close: Token } | undefined {
    const outer = this.open[this.open.length - 1]!;
    for (let k = this.closed.length - 1; k >= 0; k--) {
      const pair = this.closed[k]!;
      if (pair.open.start <= outer.start) continue;
      // only a '}' that starts its line says something about indentation
      const closeIndent = this.indentOf(pair.close.line);
      if (closeIndent === undefined || closeIndent.length + 1 !== this.visualCol(pair.close)) continue;
      if (this.indentOf(pair.open.line) !== closeIndent) return pair;
    }
    return undefined;
  }

  private visualCol(t: Token): number {
    const lineStart = t.start - (t.col - 1);
    return this.text.slice(lineStart, t.start).replace(/\t/g, '        ').length + 1;
  }

  /** Runs a nested parse, refusing absurd nesting (before the JS stack would overflow). */
  private nested<T>(t: Token, f: () => T): T {
    if (++this.depth > MAX_NESTING) {
      throw this.error(t, `nesting too deep (more than ${MAX_NESTING} levels of blocks, parentheses or '!')`);
    }
    try {
      return f();
    } finally {
      this.depth--;
    }
  }

  // ---------------------------------------------------------------- top level

  parseScript(): Script {
    const items: TopItem[] = [];
    for (;;) {
      const t = this.peek();
      if (t.kind === 'eof') break;
      if (this.isPunct(t, ';')) {
        this.next();
        continue;
      }
      items.push(this.parseTopItem());
    }
    return { file: this.file, items };
  }

  private parseTopItem(): TopItem {
    const t = this.peek();
    if (this.isPunct(t, '}')) {
      throw this.error(t, "unmatched '}'", 'no block is open here: is there one \'}\' too many, or a missing \'{\'?');
    }
    if (!this.isIdent(t)) {
      throw this.unexpected(t, 'an option (name=value), loadmodule, modparam or a route block');
    }
    const nextTok = this.ahead(1);
    if (t.text === 'loadmodule' && !this.isPunct(nextTok, '=')) return this.parseLoadModule();
    if (t.text === 'modparam' && !this.isPunct(nextTok, '=')) return this.parseModParam();
    if (ROUTE_KEYWORDS.has(t.text) && !this.isPunct(nextTok, '=')) return this.parseRoute();
    if (this.isPunct(nextTok, '=')) return this.parseAssign();

    // not a known construct: say what it looks like
    const statementLike =
      t.text === 'if' || t.text === 'else' || t.text === 'break' || (this.isPunct(nextTok, '(') && !this.looksLikeTopTypo(t.text));
    if (statementLike) {
      throw this.error(
        t,
        `'${t.text}' outside of a route block`,
        'actions and conditions must be inside a route { ... } block',
      );
    }
    if (this.isPunct(nextTok, '{') || this.isPunct(nextTok, '[')) {
      const guess = suggest(t.text, ROUTE_KEYWORDS.keys());
      throw this.error(
        t,
        `unknown block '${t.text}'`,
        guess ? `did you mean '${guess}'?` : 'route blocks are route { ... }, route[N] { ... } and failure_route[N] { ... }',
      );
    }
    const guess = suggest(t.text, ['loadmodule', 'modparam']);
    if (guess && (this.isPunct(nextTok, '(') || nextTok.kind === 'string')) {
      throw this.error(t, `unknown directive '${t.text}'`, `did you mean '${guess}'?`);
    }
    throw this.unexpected(
      nextTok,
      `'=' after option name '${t.text}'`,
      `global options are written name=value, e.g. ${t.text}=yes`,
    );
  }

  private looksLikeTopTypo(name: string): boolean {
    return suggest(name, ['loadmodule', 'modparam']) !== undefined;
  }

  private parseAssign(): TopItem {
    const name = this.next();
    this.next(); // '='
    const values: Value[] = [];
    const first = this.peek();
    if (!this.startsValue(first)) {
      throw this.unexpected(first, `a value for option '${name.text}'`, `write ${name.text}=value (a number, a word or a "string")`);
    }
    values.push(this.parseValue());
    let lastEnd = this.toks[this.i - 1]!;
    // several values (listen= a b): only on the same line, so that a forgotten '=' on the
    // next line is reported there instead of silently becoming a value of this option
    for (;;) {
      const t = this.peek();
      if (!this.startsValue(t) || t.line !== lastEnd.endLine) break;
      if (this.isIdent(t) && (this.isPunct(this.ahead(1), '=') || TOP_KEYWORDS.includes(t.text))) break;
      values.push(this.parseValue());
      lastEnd = this.toks[this.i - 1]!;
    }
    return { type: 'assign', name: name.text, values, loc: this.loc(name) };
  }

  private parseLoadModule(): TopItem {
    const kw = this.next();
    const t = this.peek();
    if (this.isPunct(t, '(')) {
      throw this.error(t, "unexpected '(' after loadmodule", 'loadmodule takes a quoted path without parentheses: loadmodule "/usr/lib/ser/modules/sl.so"');
    }
    if (!this.startsValue(t)) {
      throw this.unexpected(t, 'the path of the module after loadmodule', 'e.g. loadmodule "/usr/lib/ser/modules/sl.so"');
    }
    const path = this.parseValue();
    return { type: 'loadmodule', path, loc: this.loc(kw) };
  }

  private parseModParam(): TopItem {
    const kw = this.next();
    const usage = 'modparam("module", "parameter", value)';
    const lp = this.expectPunct('(', "'(' after modparam", usage);
    const args = this.parseArgs(lp, 'modparam', usage);
    if (args.values.length !== 3) {
      const at = args.values.length > 3 ? args.tokens[3]! : args.close;
      throw this.error(
        at,
        `modparam takes 3 arguments (module, parameter, value), found ${args.values.length}`,
        `write ${usage}`,
      );
    }
    return { type: 'modparam', module: args.values[0]!, param: args.values[1]!, value: args.values[2]!, loc: this.loc(kw) };
  }

  private parseRoute(): RouteBlock {
    const kw = this.next();
    const kind = ROUTE_KEYWORDS.get(kw.text)!;
    let index = 0;
    let headEnd = kw;
    const t = this.peek();
    if (this.isPunct(t, '[')) {
      this.next();
      const idx = this.peek();
      if (this.isPunct(idx, ']')) {
        throw this.error(idx, `missing route number in '${kw.text}[]'`, `write ${kw.text}[N] with N from 0 to ${ROUTE_TABLE_SIZE - 1}`);
      }
      if (idx.kind !== 'atom' && idx.kind !== 'string') throw this.unexpected(idx, `a route number after '${kw.text}['`);
      if (!/^[0-9]+$/.test(idx.text)) {
        throw this.error(
          idx,
          `bad route index ${describe(idx)}: a route number must be a whole number from 0 to ${ROUTE_TABLE_SIZE - 1}`,
        );
      }
      index = parseInt(idx.text, 10);
      if (index >= ROUTE_TABLE_SIZE) {
        throw this.error(idx, `bad route index ${idx.text}: route numbers go from 0 to ${ROUTE_TABLE_SIZE - 1}`);
      }
      this.next();
      headEnd = this.expectPunct(']', `']' after the route number`);
    } else if (kind !== 'request') {
      if (this.isPunct(t, '{')) {
        throw this.error(kw, `${kw.text} needs a number`, `write ${kw.text}[N] { ... } with N from 0 to ${ROUTE_TABLE_SIZE - 1}`);
      }
      throw this.unexpected(t, `'[' after ${kw.text}`, `write ${kw.text}[N] { ... }`);
    }
    const lb = this.peek();
    if (!this.isPunct(lb, '{')) throw this.unexpected(lb, `'{' to open the ${kw.text} block`);
    this.next();
    const body = this.parseBlockBody(lb);
    const loc = this.span(kw, headEnd);
    if (kw.text === 'reply_route') {
      this.warnings.push(
        new ConfigError(
          "'reply_route' is deprecated: it was renamed to 'failure_route' in SER 0.8.11",
          loc,
          `write failure_route[${index}]`,
          'warning',
        ),
      );
    }
    return { type: 'route', kind, index, body, loc };
  }

  // ---------------------------------------------------------------- values

  private startsValue(t: Token): boolean {
    return t.kind === 'string' || t.kind === 'atom' || this.isPunct(t, '[');
  }

  private isWordPart(t: Token): boolean {
    return t.kind === 'atom' || this.isPunct(t, '[') || this.isPunct(t, ']');
  }

  /** A string, or a word made of adjacent atoms and square brackets. */
  private parseValue(): Value {
    const t = this.next();
    if (t.kind === 'string') return { kind: 'string', value: t.value, loc: this.loc(t) };
    let last = t;
    for (;;) {
      const n = this.toks[this.i]!;
      if (n.start !== last.end || !this.isWordPart(n)) break;
      last = this.next();
    }
    const text = this.text.slice(t.start, last.end);
    return { kind: 'word', text, loc: this.loc(t, last.end - t.start) };
  }

  /** After '(' (already read): values separated by commas, up to ')'. */
  private parseArgs(lp: Token, name: string, usage?: string): { values: Value[]; tokens: Token[]; close: Token } {
    const values: Value[] = [];
    const tokens: Token[] = [];
    if (this.isPunct(this.peek(), ')')) return { values, tokens, close: this.next() };
    for (;;) {
      const t = this.peek();
      if (!this.startsValue(t)) {
        if (this.isPunct(t, ',') || this.isPunct(t, ')')) {
          throw this.error(t, `missing argument in the call of '${name}'`, usage ? `write ${usage}` : undefined);
        }
        throw this.unexpected(t, `an argument of '${name}' (a "string", a number or a word)`, this.parenHint(lp, usage));
      }
      tokens.push(t);
      values.push(this.parseValue());
      const sep = this.peek();
      if (this.isPunct(sep, ',')) {
        this.next();
        continue;
      }
      if (this.isPunct(sep, ')')) return { values, tokens, close: this.next() };
      throw this.unexpected(sep, `',' or ')' after an argument of '${name}'`, this.parenHint(lp, usage));
    }
  }

  private parenHint(lp: Token, usage?: string): string {
    return `the '(' at ${lp.line}:${lp.col} is not closed` + (usage ? `; write ${usage}` : '');
  }

  // ---------------------------------------------------------------- statements

  /** After '{' (already read): statements up to the matching '}'. */
  private parseBlockBody(lb: Token): Stmt[] {
    this.open.push(lb);
    const body: Stmt[] = [];
    for (;;) {
      const t = this.peek();
      if (t.kind === 'eof') throw this.unclosed('the file ends before it is closed');
      if (this.isPunct(t, '}')) {
        this.next();
        this.open.pop();
        this.closed.push({ open: lb, close: t });
        return body;
      }
      const s = this.nested(t, () => this.parseStmt({ allowElse: false }));
      if (s) body.push(s);
    }
  }

  /** One statement; null for an empty one (';'). */
  private parseStmt(ctx: Ctx): Stmt | null {
    const t = this.peek();
    if (this.isPunct(t, ';')) {
      this.next();
      return null;
    }
    if (this.isPunct(t, '{')) {
      this.next();
      const body = this.parseBlockBody(t);
      return { type: 'block', body, loc: this.loc(t) } satisfies Block;
    }
    if (t.kind === 'atom') {
      if (t.text === 'if') return this.parseIf(ctx);
      if (t.text === 'else') {
        throw this.error(t, "'else' without a matching 'if'", "an 'else' must directly follow the statement or the { block } of an 'if'");
      }
      if (t.text === 'break') return this.parseBreak(ctx);
      if (this.isPunct(this.ahead(1), '=')) {
        throw this.error(t, `option '${t.text}=' inside a route block`, 'global options (name=value) belong at the top of the script, outside route blocks');
      }
      if (ROUTE_KEYWORDS.has(t.text) && (this.isPunct(this.ahead(1), '[') || this.isPunct(this.ahead(1), '{'))) {
        throw this.unclosed(`a new ${t.text} block starts at ${t.line}:${t.col} before this block is closed`);
      }
      if (this.isIdent(t) && !RESERVED.has(t.text)) {
        const call = this.parseCall();
        this.endStatement(call.end, ctx, call.call.parens ? `'${call.call.name}(...)'` : `'${call.call.name}'`);
        return call.call;
      }
    }
    throw this.unexpected(t, "a statement (an action such as f(...);, 'if' or '{')");
  }

  private parseBreak(ctx: Ctx): Break {
    const kw = this.next();
    let end = kw;
    if (this.isPunct(this.peek(), '(')) {
      this.next();
      end = this.expectPunct(')', "')' after 'break('", 'break takes no arguments');
    }
    this.endStatement(end, ctx, "'break'");
    return { type: 'break', loc: this.loc(kw) };
  }

  /** name or name(args) */
  private parseCall(): { call: Call; end: Token } {
    const name = this.next();
    const lp = this.peek();
    if (this.isPunct(lp, '(')) {
      this.next();
      const args = this.parseArgs(lp, name.text);
      return { call: { type: 'call', name: name.text, args: args.values, parens: true, loc: this.loc(name) }, end: args.close };
    }
    return { call: { type: 'call', name: name.text, args: [], parens: false, loc: this.loc(name) }, end: name };
  }

  /**
   * The ';' after a call. SER requires it; the guide's own examples sometimes forget it, so a
   * missing ';' is only a warning when the statement visibly ends there (the next token is on
   * a later line, or is '}'). Before an `else` of the enclosing if none is needed.
   */
  private endStatement(last: Token, ctx: Ctx, what: string): void {
    const t = this.peek();
    if (this.isPunct(t, ';')) {
      this.next();
      return;
    }
    if (ctx.allowElse && this.isAtom(t, 'else')) return;
    if (this.isAtom(t, 'else')) {
      throw this.error(t, "'else' without a matching 'if'", "an 'else' must directly follow the statement or the { block } of an 'if'");
    }
    if (t.kind === 'eof' || this.isPunct(t, '}') || t.line > last.endLine) {
      this.warnings.push(
        new ConfigError(
          `missing ';' after ${what}`,
          { file: this.file, line: last.endLine, col: last.endCol, len: 1 },
          "SER requires a ';' after every action",
          'warning',
        ),
      );
      return;
    }
    throw this.unexpected(t, `';' after ${what}`);
  }

  private parseIf(ctx: Ctx): If {
    const kw = this.next();
    const c = this.peek();
    if (this.isPunct(c, '{') || this.isPunct(c, ';') || this.isPunct(c, '}') || c.kind === 'eof') {
      throw this.unexpected(c, "a condition after 'if'", 'write if (condition) { ... }');
    }
    const cond = this.parseExpr();
    const then = this.parseBranch(kw, { allowElse: true });
    const node: If = { type: 'if', cond, then, loc: this.loc(kw) };
    if (this.isAtom(this.peek(), 'else')) {
      const el = this.next();
      node.else = this.parseBranch(el, { allowElse: ctx.allowElse });
    }
    return node;
  }

  /** The statement after `if (...)` or `else`. */
  private parseBranch(owner: Token, ctx: Ctx): Stmt[] {
    const t = this.peek();
    if (this.isPunct(t, '{')) {
      this.next();
      const body = this.parseBlockBody(t);
      // `if (...) { ... }; else { ... }`: not SER, but harmless and common
      if (this.isPunct(this.peek(), ';') && this.isAtom(this.ahead(1), 'else') && ctx.allowElse) this.next();
      return body;
    }
    if (this.isPunct(t, ';')) {
      this.next();
      this.warnings.push(
        new ConfigError(
          `empty statement after '${owner.text}'`,
          this.loc(t),
          `the ';' ends the '${owner.text}'; remove it if the next statement is meant to depend on it`,
          'warning',
        ),
      );
      return [];
    }
    if (this.isPunct(t, '}') || t.kind === 'eof' || this.isAtom(t, 'else')) {
      throw this.unexpected(t, `a statement after '${owner.text}${owner.text === 'if' ? ' (...)' : ''}'`, 'e.g. { ... } or an action such as t_relay();');
    }
    const s = this.nested(t, () => this.parseStmt(ctx));
    return s ? [s] : [];
  }

  // ---------------------------------------------------------------- expressions

  private parseExpr(): Expr {
    let left = this.parseAnd();
    for (;;) {
      const t = this.peek();
      if (!(this.isPunct(t, '||') || this.isPunct(t, '|') || this.isAtom(t, 'or'))) return left;
      this.next();
      const right = this.parseAnd();
      left = { type: 'or', left, right, loc: this.loc(t) };
    }
  }

  private parseAnd(): Expr {
    let left = this.parseUnary();
    for (;;) {
      const t = this.peek();
      if (!(this.isPunct(t, '&&') || this.isPunct(t, '&') || this.isAtom(t, 'and'))) return left;
      this.next();
      const right = this.parseUnary();
      left = { type: 'and', left, right, loc: this.loc(t) };
    }
  }

  private parseUnary(): Expr {
    const t = this.peek();
    if (this.isPunct(t, '!') || this.isAtom(t, 'not')) {
      this.next();
      const expr = this.nested(t, () => this.parseUnary());
      return { type: 'not', expr, loc: this.loc(t) };
    }
    return this.parsePrimary();
  }

  private parsePrimary(): Expr {
    const t = this.peek();
    if (this.isPunct(t, '(')) {
      this.next();
      const e = this.nested(t, () => this.parseExpr());
      const r = this.peek();
      if (!this.isPunct(r, ')')) {
        if (this.isPunct(r, '=')) throw this.assignInCondition(r);
        throw this.unexpected(r, `')' to close the '(' at ${t.line}:${t.col}`, this.missingOpHint(r));
      }
      this.next();
      return e;
    }
    if (t.kind === 'atom') {
      if (NUMBER_RE.test(t.text) && !this.isPunct(this.ahead(1), '(')) {
        this.next();
        return { type: 'number', value: Number(t.text.startsWith('+') ? t.text.slice(1) : t.text), loc: this.loc(t) };
      }
      if (this.isIdent(t) && !RESERVED.has(t.text)) {
        const op = this.ahead(1);
        if ((OPERANDS as readonly string[]).includes(t.text)) return this.parseCompare();
        if (this.isPunct(op, '(')) return this.parseCall().call;
        if (op.kind === 'punct' && ((CMP_OPS as readonly string[]).includes(op.text) || op.text === '=')) {
          const guess = suggest(t.text, OPERANDS);
          throw this.error(
            t,
            `unknown operand '${t.text}'`,
            (guess ? `did you mean '${guess}'?${guess.toLowerCase() === t.text.toLowerCase() ? ' (operands are lower case)' : ''}; ` : '') +
              `the operands are ${OPERANDS.join(', ')}`,
          );
        }
        // a bare name: a call without parentheses
        return this.parseCall().call;
      }
    }
    if (t.kind === 'string') {
      throw this.error(t, 'a string cannot be a condition by itself', 'compare it with an operand, e.g. uri=~"^sip:" or method=="INVITE"');
    }
    throw this.unexpected(t, 'a condition (a comparison such as method=="INVITE", a function call, or a number)');
  }

  private parseCompare(): Expr {
    const lhs = this.next();
    const op = this.peek();
    if (this.isPunct(op, '=')) throw this.assignInCondition(op);
    if (op.kind !== 'punct' || !(CMP_OPS as readonly string[]).includes(op.text)) {
      throw this.unexpected(op, `a comparison operator (==, !=, =~ or !~) after '${lhs.text}'`);
    }
    this.next();
    const r = this.peek();
    if (!this.startsValue(r)) {
      throw this.unexpected(r, `a value after '${lhs.text}${op.text}'`, `e.g. ${lhs.text}${op.text}"..."`);
    }
    const rhs = this.parseValue();
    const last = this.toks[this.i - 1]!;
    const after = this.toks[this.i]!;
    if (rhs.kind === 'word' && after.start === last.end && (after.kind === 'other' || after.kind === 'string')) {
      // uri=~[@:\.]domain.foo" -- a value with special characters needs quotes
      throw new ConfigError(
        `the value after '${lhs.text}${op.text}' must be quoted`,
        rhs.loc,
        `'${rhs.text}' is directly followed by ${describe(after)}; put the whole value in quotes, ` +
          `e.g. ${lhs.text}${op.text}"..." (is the opening quote missing?)`,
      );
    }
    return { type: 'cmp', lhs: lhs.text as Operand, op: op.text as CmpOp, rhs, loc: this.span(lhs, last) };
  }

  private assignInCondition(t: Token): ConfigError {
    return this.error(t, "'=' in a condition", "use '==' to compare (or '=~' to match a regular expression)");
  }

  private missingOpHint(r: Token): string | undefined {
    if (r.kind === 'atom' || r.kind === 'string') return "is an operator (&&, ||) or a closing ')' missing before it?";
    if (this.isPunct(r, '{')) return "a ')' seems to be missing before the '{'";
    return otherHint(r);
  }
}
