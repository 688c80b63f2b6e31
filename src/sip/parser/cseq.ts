// CSeq (RFC 3261 §20.16, §25.1):  CSeq = "CSeq" HCOLON 1*DIGIT LWS Method
// RFC 3261 §8.1.1.5: the sequence number MUST be expressible as a 32-bit unsigned integer;
// RFC 4475 §3.1.2.4 (scalar02) and §3.1.2.5 (scalarlg): a larger one makes the message invalid.

import { CHARS, C_TOKEN, isDigit, isLwsChar, skipLws } from './chars.js';
import { SipParseError } from './errors.js';
import { TOKEN } from './patterns.js';

export interface CSeq {
  seq: number;
  method: string;
}

const E = 'E_CSEQ';
export const MAX_CSEQ = 4294967295;

export function parseCSeq(s: string, b: Uint8Array, start: number, end: number): CSeq {
  let p = skipLws(b, start, end);
  const d0 = p;
  let seq = 0;
  while (p < end) {
    const c = b[p];
    if (!isDigit(c)) break;
    seq = seq * 10 + (c - 48);
    if (seq > MAX_CSEQ) throw new SipParseError(E, 'CSeq number larger than 2**32-1');
    p++;
  }
  if (p === d0) throw new SipParseError(E, 'CSeq without a number');
  if (p >= end || !isLwsChar(b[p])) throw new SipParseError(E, 'CSeq without a method');
  p = skipLws(b, p, end);
  const m0 = p;
  while (p < end && (CHARS[b[p]] & C_TOKEN) !== 0) p++;
  if (p === m0) throw new SipParseError(E, 'CSeq without a method');
  if (skipLws(b, p, end) !== end) throw new SipParseError(E, 'garbage after CSeq method');
  return { seq, method: s.slice(m0, p) };
}

// The usual spelling (patterns.ts): number, SP/HT run, method.
const CSEQ_FAST = new RegExp(`\\d{1,10}[ \\t]+${TOKEN}+`, 'y');

/**
 * parseCSeq through CSEQ_FAST: the same CSeq, or undefined when s[start, end) (b: its bytes) is
 * spelled otherwise.
 */
export function parseCSeqFast(s: string, b: Uint8Array, start: number, end: number): CSeq | undefined {
  CSEQ_FAST.lastIndex = start;
  if (!CSEQ_FAST.test(s) || CSEQ_FAST.lastIndex !== end) return undefined;
  let p = start;
  let seq = 0;
  let c = b[p];
  do {
    seq = seq * 10 + (c - 48);
    c = b[++p];
  } while (c >= 48 && c <= 57);
  if (seq > MAX_CSEQ) return undefined;
  while (c === 32 || c === 9) c = b[++p];
  return { seq, method: s.slice(p, end) };
}
