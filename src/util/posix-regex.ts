// POSIX extended regular expressions (glibc flavour) translated to JavaScript RegExps.
//
// SER compiles the regular expressions of a script (uri=~"...", search("...") ...) with
// regcomp(REG_EXTENDED|REG_ICASE|REG_NOSUB) and tests them with regexec(), so only "does it
// match somewhere" matters. Differences from JavaScript that the translation takes care of:
//  - `.` and `[^...]` match a newline too (no REG_NEWLINE): the `s` flag;
//  - `^` and `$` are anchors anywhere, matching only at the start / end of the whole text;
//  - bracket expressions: [[:digit:]] classes, a leading `]` is literal, a backslash is a
//    literal backslash, [.c.] / [=c=] single-character collating elements;
//  - intervals {n} {n,} {n,m} {,m}; a `{` that does not start a valid interval is literal;
//  - a repetition operator with nothing to repeat (at the start, after `(`, `|` or `^`) is
//    literal; repeated operators (`a**`, `a+?`) apply to the repetition, they are not lazy;
//  - GNU escapes \w \W \s \S \b \B \< \> \` \' and back-references \1..\9; any other
//    escaped character is that character (`\.` is a dot, `\n` is an `n`).
// Deliberate differences from glibc, which rejects these: `*`/`+`/`?`/`{n}` with nothing to
// repeat are literals; `{` not followed by a valid interval is a literal. glibc takes an
// unmatched `)` as a literal; here it is an error, as is an unmatched `(` or `[`.

export interface PosixRegexOptions {
  /** case-insensitive matching (REG_ICASE); default true, as SER uses */
  icase?: boolean;
  /**
   * REG_NEWLINE, as textops compiled its expressions: `.` and `[^...]` do not match a newline,
   * `^` matches after every LF and `$` before every LF (only LF: a CR is an ordinary character,
   * so in a CRLF line `$` comes after the CR). Default false, as the core's `=~`.
   */
  newline?: boolean;
}

/** An invalid POSIX regular expression; `column` is 1-based in the pattern. */
export class PosixRegexError extends Error {
  readonly pattern: string;
  readonly column: number;
  readonly reason: string;
  constructor(pattern: string, reason: string, column: number) {
    const shown = pattern.length > 80 ? pattern.slice(0, 77) + '...' : pattern;
    super(`${reason} at column ${column} of "${shown}"`);
    this.name = 'PosixRegexError';
    this.pattern = pattern;
    this.column = column;
    this.reason = reason;
  }
}

const MAX_GROUP_NESTING = 256;

/** glibc's RE_DUP_MAX */
export const RE_DUP_MAX = 0x7fff;

/** Character classes as ASCII ranges (the C locale), in JS character-class syntax. */
const CLASSES: Record<string, string> = {
  alpha: 'A-Za-z',
  digit: '0-9',
  alnum: '0-9A-Za-z',
  upper: 'A-Z',
  lower: 'a-z',
  space: ' \\t\\n\\v\\f\\r',
  blank: ' \\t',
  punct: '!-\\/:-@\\[-`{-~',
  print: ' -~',
  graph: '!-~',
  cntrl: '\\x00-\\x1f\\x7f',
  xdigit: '0-9A-Fa-f',
};

interface Piece {
  src: string;
  /** can take a repetition operator */
  quantifiable: boolean;
  /** already has one */
  quantified: boolean;
}

/** Translates a POSIX ERE into the source of an equivalent JS RegExp (to use with the `s` flag). */
export function translatePosixRegex(source: string, opts?: PosixRegexOptions): string {
  return new Translator(source, opts?.newline === true).run();
}

/** Compiles a POSIX extended regular expression, as regcomp(REG_EXTENDED|REG_ICASE) would. */
export function compilePosixRegex(source: string, opts?: PosixRegexOptions): RegExp {
  const js = translatePosixRegex(source, opts);
  const flags = opts?.icase === false ? 's' : 'is';
  try {
    return new RegExp(js, flags);
  } catch (e) {
    // should not happen: the translation only produces valid JS syntax
    throw new PosixRegexError(source, `cannot be compiled (${(e as Error).message})`, 1);
  }
}

function escapeLiteral(ch: string): string {
  return /[\\^$.*+?()[\]{}|/]/.test(ch) ? '\\' + ch : ch;
}

function escapeInClass(ch: string): string {
  return /[\\\]\[^-]/.test(ch) ? '\\' + ch : ch;
}

class Translator {
  private pos = 0;
  private groups = 0;
  private readonly closedGroups = new Set<number>();

  constructor(
    private readonly src: string,
    /** REG_NEWLINE (see PosixRegexOptions.newline) */
    private readonly newline = false,
  ) {}

  run(): string {
    return this.alternation(0, -1);
  }

  private fail(reason: string, at: number): never {
    throw new PosixRegexError(this.src, reason, at + 1);
  }

  /** branch ('|' branch)* up to an unmatched ')' (inside a group) or the end */
  private alternation(depth: number, openAt: number): string {
    const branches: string[] = [];
    let pieces: Piece[] = [];
    const s = this.src;
    while (this.pos < s.length) {
      const c = s[this.pos]!;
      if (c === '|') {
        branches.push(pieces.map((p) => p.src).join(''));
        pieces = [];
        this.pos++;
        continue;
      }
      if (c === ')') {
        if (depth === 0) this.fail("unmatched ')'", this.pos);
        break;
      }
      this.piece(pieces, depth);
    }
    if (depth > 0 && this.pos >= s.length) this.fail("unmatched '('", openAt);
    branches.push(pieces.map((p) => p.src).join(''));
    return branches.join('|');
  }

  private literal(pieces: Piece[], ch: string): void {
    pieces.push({ src: escapeLiteral(ch), quantifiable: true, quantified: false });
  }

  /** Applies a repetition operator to the last piece; literal if there is nothing to repeat. */
  private repeat(pieces: Piece[], op: string, text: string): void {
    const last = pieces[pieces.length - 1];
    if (!last || !last.quantifiable) {
      for (const ch of text) this.literal(pieces, ch);
      return;
    }
    last.src = last.quantified ? `(?:${last.src})${op}` : last.src + op;
    last.quantified = true;
  }

  private piece(pieces: Piece[], depth: number): void {
    const s = this.src;
    const c = s[this.pos]!;
    switch (c) {
      case '(': {
        const openAt = this.pos++;
        if (depth >= MAX_GROUP_NESTING) this.fail(`parentheses nested too deep (more than ${MAX_GROUP_NESTING})`, openAt);
        const n = ++this.groups;
        const inner = this.alternation(depth + 1, openAt);
        this.pos++; // ')'
        this.closedGroups.add(n);
        pieces.push({ src: `(${inner})`, quantifiable: true, quantified: false });
        return;
      }
      case '*':
      case '+':
      case '?':
        this.pos++;
        this.repeat(pieces, c, c);
        return;
      case '{': {
        const m = /^\{([0-9]*)(,([0-9]*))?\}/.exec(s.slice(this.pos));
        if (!m || (m[1] === '' && m[2] === undefined)) {
          // not an interval: a literal '{'
          this.pos++;
          this.literal(pieces, c);
          return;
        }
        const at = this.pos;
        this.pos += m[0].length;
        const min = m[1] === '' ? 0 : Number(m[1]);
        const max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
        if (min > RE_DUP_MAX || (max !== Infinity && max > RE_DUP_MAX)) {
          this.fail(`bad interval ${m[0]}: a count may be at most ${RE_DUP_MAX}`, at);
        }
        if (max < min) this.fail(`bad interval ${m[0]}: the minimum is greater than the maximum`, at);
        const op = m[2] === undefined ? `{${min}}` : max === Infinity ? `{${min},}` : `{${min},${max}}`;
        this.repeat(pieces, op, m[0]);
        return;
      }
      case '[':
        pieces.push({ src: this.bracket(), quantifiable: true, quantified: false });
        return;
      case '\\':
        this.escape(pieces);
        return;
      case '^':
      case '$': {
        this.pos++;
        // REG_NEWLINE: line anchors at LF only (JS's `m` flag would also take CR as a line end)
        const src = !this.newline ? c : c === '^' ? '(?<![^\\n])' : '(?![^\\n])';
        pieces.push({ src, quantifiable: false, quantified: false });
        return;
      }
      case '.':
        this.pos++;
        pieces.push({ src: this.newline ? '[^\\n]' : '.', quantifiable: true, quantified: false });
        return;
      default:
        this.pos++;
        this.literal(pieces, c);
    }
  }

  private escape(pieces: Piece[]): void {
    const s = this.src;
    const at = this.pos;
    if (at + 1 >= s.length) this.fail('trailing backslash', at);
    const d = s[at + 1]!;
    this.pos += 2;
    const add = (src: string, quantifiable: boolean): void => {
      pieces.push({ src, quantifiable, quantified: false });
    };
    if (d >= '1' && d <= '9') {
      const n = Number(d);
      if (!this.closedGroups.has(n)) this.fail(`invalid back reference \\${d}: there is no completed group ${n} before it`, at);
      add(`(?:\\${n})`, true);
      return;
    }
    switch (d) {
      case 'w':
        return add('\\w', true);
      case 'W':
        return add('\\W', true);
      case 's':
        return add('[ \\t\\n\\v\\f\\r]', true);
      case 'S':
        return add('[^ \\t\\n\\v\\f\\r]', true);
      case 'b':
        return add('\\b', false);
      case 'B':
        return add('\\B', false);
      case '<':
        return add('\\b(?=\\w)', false);
      case '>':
        return add('\\b(?<=\\w)', false);
      case '`':
        return add('^', false);
      case "'":
        return add('$', false);
      default:
        this.literal(pieces, d);
    }
  }

  /** [...] starting at this.pos; returns a JS character class. */
  private bracket(): string {
    const s = this.src;
    const open = this.pos++;
    let negate = false;
    if (s[this.pos] === '^') {
      negate = true;
      this.pos++;
    }
    const items: string[] = [];
    let first = true;
    const unmatched = (): never => this.fail("unmatched '['", open);

    /** one element: a character, a collating element, or a class; advances */
    const element = (): { ch?: string; cls?: string; at: number } => {
      const at = this.pos;
      const c = s[this.pos]!;
      if (c === '[' && (s[this.pos + 1] === ':' || s[this.pos + 1] === '.' || s[this.pos + 1] === '=')) {
        const kind = s[this.pos + 1]!;
        const end = s.indexOf(kind + ']', this.pos + 2);
        if (end < 0) unmatched();
        const name = s.slice(this.pos + 2, end);
        this.pos = end + 2;
        if (kind === ':') {
          const cls = CLASSES[name];
          if (cls === undefined) {
            this.fail(`unknown character class [:${name}:] (known: ${Object.keys(CLASSES).join(', ')})`, at);
          }
          return { cls, at };
        }
        if ([...name].length !== 1) {
          this.fail(
            `unsupported collating element [${kind}${name}${kind}]: only single characters are supported`,
            at,
          );
        }
        return { ch: name, at };
      }
      this.pos++;
      return { ch: c, at };
    };

    for (;;) {
      if (this.pos >= s.length) unmatched();
      if (s[this.pos] === ']' && !first) {
        this.pos++;
        break;
      }
      first = false;
      const lo = element();
      const isRange = s[this.pos] === '-' && this.pos + 1 < s.length && s[this.pos + 1] !== ']';
      if (lo.cls !== undefined) {
        if (isRange) this.fail('a character class cannot be the start of a range', lo.at);
        items.push(lo.cls);
        continue;
      }
      if (!isRange) {
        items.push(escapeInClass(lo.ch!));
        continue;
      }
      this.pos++; // '-'
      if (this.pos >= s.length) unmatched();
      const hi = element();
      if (hi.cls !== undefined) this.fail('a character class cannot be the end of a range', hi.at);
      if (hi.ch!.codePointAt(0)! < lo.ch!.codePointAt(0)!) {
        this.fail(`invalid range ${lo.ch}-${hi.ch}: the end is before the start`, lo.at);
      }
      items.push(`${escapeInClass(lo.ch!)}-${escapeInClass(hi.ch!)}`);
      if (s[this.pos] === '-' && this.pos + 1 < s.length && s[this.pos + 1] !== ']') {
        this.fail(`invalid range: a range cannot continue after ${lo.ch}-${hi.ch}`, this.pos);
      }
    }
    // REG_NEWLINE: a non-matching list does not match a newline either
    return `[${negate ? (this.newline ? '^\\n' : '^') : ''}${items.join('')}]`;
  }
}
