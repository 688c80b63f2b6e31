// Reading exec_dset's program output: one URI a line (SER's exec_str(): lines read with fgets
// into a MAX_URI_SIZE buffer, trailing CR, LF, TAB and SP trimmed, empty lines skipped). Every
// line is checked with the SIP core's URI parser; a line that is not a URI is reported, never
// used: a URI that cannot be parsed could not be forwarded to anyway.

import { parseUri } from '../../sip/parser/uri.js';

/** SER's MAX_URI_SIZE: a longer line is not a URI. */
export const MAX_URI_LINE = 1024;

export interface BadLine {
  /** 1-based line number in the output */
  readonly line: number;
  /** the line (at most 80 characters of it) */
  readonly text: string;
  readonly why: string;
}

export interface DsetOutput {
  /** the valid URIs, in output order (byte strings) */
  readonly uris: string[];
  readonly bad: BadLine[];
}

function clip(s: string): string {
  return s.length > 80 ? s.slice(0, 77) + '...' : s;
}

/** The URIs of a program's output (bytes taken as latin1, as the SIP core carries text). */
export function parseDsetOutput(out: Buffer): DsetOutput {
  const uris: string[] = [];
  const bad: BadLine[] = [];
  const lines = out.toString('latin1').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i]!.replace(/^[ \t]+/, '').replace(/[\r\n\t ]+$/, '');
    if (text === '') continue;
    const n = i + 1;
    if (text.length > MAX_URI_LINE) {
      bad.push({ line: n, text: clip(text), why: `longer than ${MAX_URI_LINE} bytes` });
      continue;
    }
    if (/[\x00-\x1f\x7f ]/.test(text)) {
      bad.push({ line: n, text: clip(text.replace(/[\x00-\x1f\x7f]/g, '?')), why: 'control characters or spaces' });
      continue;
    }
    try {
      const u = parseUri(text);
      if (u.scheme !== 'sip' && u.scheme !== 'sips' && u.scheme !== 'tel') {
        bad.push({ line: n, text: clip(text), why: `scheme '${u.scheme}' is not sip, sips or tel` });
        continue;
      }
      uris.push(text);
    } catch (e) {
      bad.push({ line: n, text: clip(text), why: (e as Error).message });
    }
  }
  return { uris, bad };
}
