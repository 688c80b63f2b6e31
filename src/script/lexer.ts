// Tokenizer for ser.cfg (SER 0.8 cfg.l, as the admin guide shows it).
//
// The lexer is context-free and fine-grained: a "word" such as `udp:10.0.0.1:5060`, `[::1]`
// or `192.168.0.0/16` is made of one or more adjacent tokens (atoms and square brackets) that
// the parser glues together where a value is expected. Tokens carry their exact position.
//
// Lexical errors (unterminated string or comment, a stray `*/`) do not throw here: they end
// the token list with an 'error' token, so that the parser reports whatever error comes first
// in the file.

import type { Loc } from './ast.js';
import { ConfigError } from './config-error.js';

export type TokenKind =
  /** a run of adjacent word characters: letters, digits and `_ . : - / + * @` */
  | 'atom'
  /** "..." or '...'; `value` holds the text with its escapes translated */
  | 'string'
  /** an operator or a delimiter: ( ) { } [ ] , ; = == != =~ !~ ! && || & | */
  | 'punct'
  /** a character the language has no use for (`<`, `\`, a typographic quote...) */
  | 'other'
  | 'eof'
  /** a lexical error; `error` says what */
  | 'error';

export interface Token {
  kind: TokenKind;
  /** the source text of the token (for a string, with its quotes and escapes as written) */
  text: string;
  /** for a string, its value with escapes translated; otherwise the same as `text` */
  value: string;
  /** offsets in the source: [start, end) */
  start: number;
  end: number;
  /** 1-based position of the first character */
  line: number;
  col: number;
  /** 1-based position just after the last character */
  endLine: number;
  endCol: number;
  error?: ConfigError;
}

export interface LexResult {
  tokens: Token[];
  /** strings with a raw line break inside (legal in SER, but usually a missing quote) */
  multilineStrings: Token[];
  warnings: ConfigError[];
}

const PUNCT2 = ['==', '!=', '=~', '!~', '&&', '||'];
const PUNCT1 = '(){}[],;=!&|';

export function isWordChar(c: string): boolean {
  const code = c.charCodeAt(0);
  return (
    (code >= 0x61 && code <= 0x7a) || // a-z
    (code >= 0x41 && code <= 0x5a) || // A-Z
    (code >= 0x30 && code <= 0x39) || // 0-9
    c === '_' ||
    c === '.' ||
    c === ':' ||
    c === '-' ||
    c === '/' ||
    c === '+' ||
    c === '*' ||
    c === '@'
  );
}

function isSpace(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v' || c === '\uFEFF';
}

const ESCAPES: Record<string, string> = {
  n: '\n',
  r: '\r',
  t: '\t',
  a: '\x07',
  '\\': '\\',
  '"': '"',
  "'": "'",
};

export function tokenize(text: string, file: string): LexResult {
  const tokens: Token[] = [];
  const multilineStrings: Token[] = [];
  const warnings: ConfigError[] = [];
  const n = text.length;
  let pos = 0;
  let line = 1;
  let lineStart = 0;

  const colOf = (offset: number): number => offset - lineStart + 1;
  const locAt = (offset: number, l: number, ls: number, len: number): Loc => ({
    file,
    line: l,
    col: offset - ls + 1,
    len: Math.max(1, len),
  });
  /** length from `offset` to the end of its line */
  const restOfLine = (offset: number): number => {
    let e = offset;
    while (e < n && text[e] !== '\n' && text[e] !== '\r') e++;
    return e - offset;
  };

  const push = (kind: TokenKind, start: number, sLine: number, sCol: number, value?: string): Token => {
    const t: Token = {
      kind,
      text: text.slice(start, pos),
      value: value ?? text.slice(start, pos),
      start,
      end: pos,
      line: sLine,
      col: sCol,
      endLine: line,
      endCol: colOf(pos),
    };
    tokens.push(t);
    return t;
  };

  const fail = (err: ConfigError, start: number, sLine: number, sCol: number): LexResult => {
    const t = push('error', start, sLine, sCol);
    t.error = err;
    return { tokens, multilineStrings, warnings };
  };

  while (pos < n) {
    const c = text[pos]!;
    if (c === '\n') {
      pos++;
      line++;
      lineStart = pos;
      continue;
    }
    if (isSpace(c)) {
      pos++;
      continue;
    }
    // # comment to the end of the line
    if (c === '#') {
      while (pos < n && text[pos] !== '\n') pos++;
      continue;
    }
    const start = pos;
    const sLine = line;
    const sCol = colOf(pos);
    const sLineStart = lineStart;
    // /* block comment */ (not nested)
    if (c === '/' && text[pos + 1] === '*') {
      pos += 2;
      let closed = false;
      while (pos < n) {
        if (text[pos] === '*' && text[pos + 1] === '/') {
          pos += 2;
          closed = true;
          break;
        }
        if (text[pos] === '\n') {
          line++;
          lineStart = pos + 1;
        }
        pos++;
      }
      if (!closed) {
        return fail(
          new ConfigError(
            'unterminated comment',
            locAt(start, sLine, sLineStart, 2),
            "this '/*' has no matching '*/' before the end of the file",
          ),
          start,
          sLine,
          sCol,
        );
      }
      continue;
    }
    if (c === '*' && text[pos + 1] === '/') {
      pos += 2;
      return fail(
        new ConfigError(
          "'*/' outside of a comment",
          locAt(start, sLine, sLineStart, 2),
          "no '/*' comment is open here; is its '/*' missing?",
        ),
        start,
        sLine,
        sCol,
      );
    }
    if (c === '"' || c === "'") {
      const quote = c;
      pos++;
      let value = '';
      let closed = false;
      let multiline = false;
      while (pos < n) {
        const d = text[pos]!;
        if (d === quote) {
          pos++;
          closed = true;
          break;
        }
        // SER's cfg.lex translated escapes in "..." only; '...' is taken as written, so a shell
        // command in single quotes keeps its \" (admin guide Examples 4-3 to 4-5)
        if (d === '\\' && quote === '"' && pos + 1 < n) {
          const e = text[pos + 1]!;
          const esc = ESCAPES[e];
          if (esc !== undefined) {
            value += esc;
            pos += 2;
            continue;
          }
          if (e === '\n' || (e === '\r' && text[pos + 2] === '\n')) {
            // backslash-newline: the string continues on the next line
            pos += e === '\n' ? 2 : 3;
            line++;
            lineStart = pos;
            continue;
          }
          // any other escape is kept as written (regular expressions need their `\.`)
          value += '\\' + e;
          pos += 2;
          continue;
        }
        if (d === '\n') {
          multiline = true;
          value += d;
          pos++;
          line++;
          lineStart = pos;
          continue;
        }
        value += d;
        pos++;
      }
      if (!closed) {
        const what = quote === '"' ? 'double' : 'single';
        return fail(
          new ConfigError(
            'unterminated string',
            locAt(start, sLine, sLineStart, restOfLine(start)),
            `the ${what} quote that opens this string is never closed; add a closing ${quote}`,
          ),
          start,
          sLine,
          sCol,
        );
      }
      const t = push('string', start, sLine, sCol, value);
      if (multiline) {
        multilineStrings.push(t);
        warnings.push(
          new ConfigError(
            'string contains a line break',
            locAt(start, sLine, sLineStart, restOfLine(start)),
            `the string ends at line ${t.endLine}; write \\n for a line break, or end the line with a backslash to continue the string`,
            'warning',
          ),
        );
      }
      continue;
    }
    const two = text.slice(pos, pos + 2);
    if (PUNCT2.includes(two)) {
      pos += 2;
      push('punct', start, sLine, sCol);
      continue;
    }
    if (PUNCT1.includes(c)) {
      pos++;
      push('punct', start, sLine, sCol);
      continue;
    }
    if (isWordChar(c)) {
      pos++;
      while (pos < n && isWordChar(text[pos]!) && !(text[pos] === '/' && text[pos + 1] === '*')) pos++;
      push('atom', start, sLine, sCol);
      continue;
    }
    // anything else: one character (a whole surrogate pair), judged by the parser
    pos += c.charCodeAt(0) >= 0xd800 && c.charCodeAt(0) <= 0xdbff && pos + 1 < n ? 2 : 1;
    push('other', start, sLine, sCol);
  }
  const eof: Token = {
    kind: 'eof',
    text: '',
    value: '',
    start: n,
    end: n,
    line,
    col: colOf(n),
    endLine: line,
    endCol: colOf(n),
  };
  tokens.push(eof);
  return { tokens, multilineStrings, warnings };
}
