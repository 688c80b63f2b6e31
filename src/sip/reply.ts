import { createHash } from 'node:crypto';
import { writeLatin1 } from '../util/buffer-write.js';
import type { EditList } from './edit.js';
import type { SipMessage } from './parser/message.js';

// Building a response to a received request from its own header lines
// (RFC 3261 §8.2.6.2: Via, From, To, Call-ID and CSeq are copied; the To gets a tag).

export interface ReplyOptions {
  /** where the To-tag comes from, added to a To without one for status > 100 (RFC 3261 §8.2.6.2) */
  tags?: LocalTags;
  /** extra header lines (byte strings, without CRLF), placed after the copied ones */
  headers?: readonly string[];
  /** `Server: ...` line when server_signature is on */
  server?: string;
  /** `Warning: ...` line when sip_warning is on */
  warning?: string;
  /** edits of the received Via lines to apply to the copies: the core's received/rport (fixTopVia) */
  viaEdits?: EditList;
  body?: Buffer;
  contentType?: string;
}

// Copied header fields; Via (0) every time, the others once (a bit each); -1: not copied.
const TO = 2;
function copiedBit(name: string): number {
  // a switch, not an object used as a map: a keyed load by ever-new names is megamorphic
  switch (name) {
    case 'via':
      return 0;
    case 'from':
      return 1;
    case 'to':
      return TO;
    case 'call-id':
      return 4;
    case 'cseq':
      return 8;
    default:
      return -1;
  }
}
const TAG_FIELDS = ['via', 'call-id', 'cseq'];

/**
 * The response to `msg`, copying its Via, From, To, Call-ID and CSeq header lines byte for byte
 * in their original order. Works on a message whose typed values did not parse (only the header
 * index is needed), so malformed requests can still be answered with 400.
 */
export function buildReply(msg: SipMessage, status: number, reason: string, o: ReplyOptions = {}): Buffer {
  // Two passes over the header index: the length, then the bytes, copied straight from the
  // request's buffer. Building a string and converting it made ~2 KB of garbage per reply.
  const src = msg.buf;
  const edits = o.viaEdits && o.viaEdits.size ? o.viaEdits : undefined;
  const first = `SIP/2.0 ${status} ${reason}\r\n`;
  // To-tag added to a To without one for status > 100 (RFC 3261 §8.2.6.2)
  const tag = o.tags && status > 100 && !hasTag(msg) ? ';tag=' + o.tags.tagFor(msg) : '';
  // a Via line with the script's received/rport edits inside is copied as edited text
  let edited: string[] | undefined;
  let len = first.length;
  // one From/To/Call-ID/CSeq only (a request with several was rejected, but be safe)
  let seen = 0;
  for (const h of msg.headers) {
    const bit = copiedBit(h.name);
    if (bit < 0) continue;
    if (bit === 0) {
      if (edits && edits.within(h.start, h.end)) {
        const text = edits.applyRange(src, h.start, h.end);
        (edited ??= []).push(text);
        len += text.length;
      } else {
        len += h.end - h.start;
      }
      continue;
    }
    if (seen & bit) continue;
    seen |= bit;
    len += h.end - h.start;
    if (bit === TO) len += tag.length;
  }
  const body = o.body && o.body.length ? o.body : undefined;
  let tail = '';
  if (o.headers) for (const line of o.headers) tail += line + '\r\n';
  if (o.server) tail += o.server + '\r\n';
  if (body && o.contentType) tail += `Content-Type: ${o.contentType}\r\n`;
  tail += `Content-Length: ${body ? body.length : 0}\r\n`;
  if (o.warning) tail += o.warning + '\r\n';
  tail += '\r\n';
  len += tail.length;

  const out = Buffer.allocUnsafe(len + (body ? body.length : 0));
  let p = writeLatin1(out, first, 0);
  // adjacent lines (Via to CSeq, usually) go in one copy: [rs, re) of the request is pending
  let rs = 0;
  let re = 0;
  let e = 0;
  seen = 0;
  for (const h of msg.headers) {
    const bit = copiedBit(h.name);
    if (bit < 0) continue;
    if (bit === 0 && edits && edits.within(h.start, h.end)) {
      p += src.copy(out, p, rs, re);
      p += writeLatin1(out, edited![e++]!, p);
      rs = re = 0;
      continue;
    }
    if (bit !== 0) {
      if (seen & bit) continue;
      seen |= bit;
    }
    if (h.start !== re) {
      p += src.copy(out, p, rs, re);
      rs = h.start;
    }
    re = h.end;
    if (bit === TO && tag) {
      p += src.copy(out, p, rs, h.valueEnd);
      p += writeLatin1(out, tag, p);
      rs = h.valueEnd;
    }
  }
  p += src.copy(out, p, rs, re);
  p += writeLatin1(out, tail, p);
  if (body) body.copy(out, p);
  return out;
}

/** Whether the request's To already has a tag; an unparsable To counts as tagged (copied as is). */
function hasTag(msg: SipMessage): boolean {
  try {
    return msg.to.tag !== undefined;
  } catch {
    return true;
  }
}

/**
 * To-tags for responses we send without keeping state. They are derived from the request so that
 * a retransmission gets the same tag (RFC 3261 §8.2.6.2 asks the same tag for the same request),
 * and they start with a per-server prefix so the ACK for such a reply is recognised and absorbed
 * (SER's sl_filter_ACK).
 */
export class LocalTags {
  readonly prefix: string;

  constructor(seed: string) {
    this.prefix = createHash('md5').update('SER-stateless' + seed).digest('hex');
  }

  tagFor(msg: SipMessage): string {
    // Equal for a retransmission, different for another request: an RFC 3261 branch already is
    // that (§8.1.1.7), with the CSeq for the CANCEL/ACK that share it; without one (RFC 2543),
    // the bytes of the first Via, Call-ID and CSeq fields.
    let h = 0x811c9dc5;
    let branch: string | undefined;
    try {
      branch = msg.via1.branch;
    } catch {
      branch = undefined;
    }
    if (branch && branch.length > 7 && branch.startsWith('z9hG4bK')) {
      h = hashText(h, branch);
      const cseq = msg.header('cseq');
      if (cseq) h = hashBytes(h, msg.buf, cseq.valueStart, cseq.valueEnd);
    } else {
      for (const name of TAG_FIELDS) {
        const f = msg.header(name);
        if (f) h = hashBytes(h, msg.buf, f.valueStart, f.valueEnd);
      }
    }
    // two 16-bit halves: small integers print without the floating-point path a full uint32 takes
    return this.prefix + '-' + ((h >>> 16) | 0x10000).toString(16).slice(1) + ((h & 0xffff) | 0x10000).toString(16).slice(1);
  }

  /** Whether a To-tag is one of ours. */
  isOurs(tag: string | undefined): boolean {
    return tag !== undefined && tag.length > this.prefix.length && tag.startsWith(this.prefix);
  }
}

/** FNV-1a steps over bytes of a buffer, then a separator. */
function hashBytes(h: number, b: Buffer, start: number, end: number): number {
  for (let i = start; i < end; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
  return Math.imul(h ^ 0x7c, 0x01000193);
}

/** FNV-1a steps over a byte string, then a separator. */
function hashText(h: number, s: string): number {
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return Math.imul(h ^ 0x7c, 0x01000193);
}
