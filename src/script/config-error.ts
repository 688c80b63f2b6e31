// Errors and warnings about a ser.cfg script (syntax, unknown names, bad arguments), reported
// like a compiler does: "file:line:col: error: message", the source line and a ^~~~ marker.

import type { Loc } from './ast.js';

export type Severity = 'error' | 'warning';

export class ConfigError extends Error {
  readonly loc?: Loc;
  readonly hint?: string;
  readonly severity: Severity;

  constructor(message: string, loc?: Loc, hint?: string, severity: Severity = 'error') {
    super(message);
    this.name = 'ConfigError';
    this.loc = loc;
    this.hint = hint;
    this.severity = severity;
  }

  /**
   * Formats the error like a compiler:
   *
   *     ser.cfg:12:5: error: unknown function 'sl_send_replay'
   *        12 |     sl_send_replay("404");
   *           |     ^~~~~~~~~~~~~~
   *     hint: did you mean 'sl_send_reply'?
   *
   * The source line and the marker are shown only when `sourceText` (the whole script) is
   * given and holds the line. Tabs before the marker are copied from the source line so that
   * the caret stays under the right character whatever the tab width of the terminal.
   */
  format(sourceText?: string): string {
    const out: string[] = [];
    const loc = this.loc;
    if (loc) {
      const where = loc.file ? `${loc.file}:${loc.line}:${loc.col}` : `${loc.line}:${loc.col}`;
      out.push(`${where}: ${this.severity}: ${this.message}`);
      if (sourceText !== undefined) {
        const text = sourceLine(sourceText, loc.line);
        if (text !== undefined) out.push(...snippet(text, loc));
      }
    } else {
      out.push(`${this.severity}: ${this.message}`);
    }
    if (this.hint) out.push(`hint: ${this.hint}`);
    return out.join('\n');
  }
}

/** Line `line` (1-based) of `text` without its line terminator, or undefined. */
function sourceLine(text: string, line: number): string | undefined {
  if (!Number.isInteger(line) || line < 1) return undefined;
  let start = 0;
  for (let l = 1; l < line; l++) {
    const nl = text.indexOf('\n', start);
    if (nl < 0) return undefined;
    start = nl + 1;
  }
  let end = text.indexOf('\n', start);
  if (end < 0) end = text.length;
  if (end > start && text[end - 1] === '\r') end--;
  return text.slice(start, end);
}

function snippet(text: string, loc: Loc): string[] {
  const num = String(loc.line);
  const width = Math.max(5, num.length);
  const gutter = ' '.repeat(width);
  const col = Math.max(1, Math.floor(loc.col));
  let pad = '';
  for (let i = 0; i < col - 1; i++) pad += i < text.length && text[i] === '\t' ? '\t' : ' ';
  const rest = text.length - (col - 1);
  const len = rest > 0 ? Math.max(1, Math.min(Math.floor(loc.len) || 1, rest)) : 1;
  return [
    `${num.padStart(width)} |${text.length ? ' ' + text : ''}`,
    `${gutter} | ${pad}^${'~'.repeat(len - 1)}`,
  ];
}
