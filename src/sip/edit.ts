// An edit list over the bytes of a received message (SER's "lumps"). The script and the core
// record insertions, deletions and replacements by offset; the outgoing buffer is built once,
// from the original bytes, so everything nobody touched leaves exactly as it came
// (RFC 4475 §1: a proxy must not normalise what it does not understand).
//
// Text is carried as "byte strings": JS strings whose char codes are bytes (latin1), the same
// representation SipMessage.head uses, so header text copied from a message round-trips exactly.
// Text from the configuration (UTF-8) is converted once with `byteString()`.

interface Edit {
  start: number;
  end: number;
  text: string;
  seq: number;
}

export function byteString(utf8Text: string): string {
  // Fast path: pure ASCII is already its own byte string.
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(utf8Text)) return utf8Text;
  return Buffer.from(utf8Text, 'utf8').toString('latin1');
}

/**
 * The order edits apply in: by offset; at one offset, insertions before a replacement or
 * deletion that starts there (an insertion at p goes before byte p, whatever replaces that byte:
 * our Via above a first header the script rewrote, a line search_append() adds after a match
 * before the next line replace() changed), then in recording order.
 */
function byPosition(a: Edit, b: Edit): number {
  return a.start - b.start || (a.end === a.start ? 0 : 1) - (b.end === b.start ? 0 : 1) || a.seq - b.seq;
}

/** An edit wholly inside [start, end); an insertion at `end` belongs to what follows. */
function insideRange(e: Edit, start: number, end: number): boolean {
  return e.start >= start && e.end <= end && !(e.start === end && e.end === end);
}

/**
 * An edit wholly inside what an earlier one (in apply order) already removed or replaced, `pos`
 * being where that one ended: what it would change is gone, and so is the place it would insert
 * at, so it does nothing (remove_hf("Max-Forwards") and forwarding's decrement of the value
 * leave no stray "69"). An insertion right at `pos` still goes in.
 */
function gone(e: Edit, pos: number): boolean {
  return e.start < pos && e.end <= pos;
}

export class EditList {
  private edits: Edit[] = [];
  // Shared by all lists so that edits from two lists merged in apply() keep their recording order.
  private static seq = 0;

  get size(): number {
    return this.edits.length;
  }

  /** Insert `text` before the byte at `pos`. Insertions at the same place keep their order. */
  insert(pos: number, text: string): void {
    this.edits.push({ start: pos, end: pos, text, seq: EditList.seq++ });
  }

  /** Replace bytes [start, end) with `text`. */
  replace(start: number, end: number, text: string): void {
    this.edits.push({ start, end, text, seq: EditList.seq++ });
  }

  /** Delete bytes [start, end). */
  remove(start: number, end: number): void {
    this.edits.push({ start, end, text: '', seq: EditList.seq++ });
  }

  /**
   * Apply the edits to `buf[0, length)` (default: whole buffer) and append `tail` text.
   * Overlapping deletions are clipped: the first one recorded wins, later ones only remove
   * what is still there, so no byte is emitted twice and none is lost twice; an edit wholly
   * inside a range removed before it does nothing.
   */
  apply(buf: Buffer, length = buf.length, extra?: EditList): Buffer {
    const edits = extra ? this.edits.concat(extra.edits) : this.edits;
    if (edits.length === 0) return buf.length === length ? buf : buf.subarray(0, length);
    edits.sort(byPosition);
    const parts: Buffer[] = [];
    let pos = 0;
    for (const e of edits) {
      if (gone(e, pos)) continue;
      const start = Math.max(e.start, pos);
      if (start > pos) parts.push(buf.subarray(pos, Math.min(start, length)));
      if (e.text) parts.push(Buffer.from(e.text, 'latin1'));
      pos = Math.max(pos, Math.min(e.end, length), start);
    }
    if (pos < length) parts.push(buf.subarray(pos, length));
    return Buffer.concat(parts);
  }

  /** Whether applyRange(buf, start, end) would change anything: an edit lies inside [start, end). */
  within(start: number, end: number): boolean {
    for (const e of this.edits) if (insideRange(e, start, end)) return true;
    return false;
  }

  /** The bytes [start, end) of `buf` with the edits that fall inside that range, as a byte string. */
  applyRange(buf: Buffer, start: number, end: number): string {
    let out = '';
    let pos = start;
    const inside = this.edits.filter((e) => insideRange(e, start, end));
    inside.sort(byPosition);
    for (const e of inside) {
      if (gone(e, pos)) continue;
      const s = Math.max(e.start, pos);
      if (s > pos) out += buf.toString('latin1', pos, s);
      out += e.text;
      pos = Math.max(pos, e.end, s);
    }
    if (pos < end) out += buf.toString('latin1', pos, end);
    return out;
  }

  /**
   * How many bytes apply() adds to (or, negative, takes from) the part of the message from
   * `start` to its end, counting the edits that lie wholly in it: what a body's Content-Length
   * must follow when the script edited the body (textops' replace()).
   */
  lengthDelta(start: number): number {
    let delta = 0;
    let pos = start;
    // the usual case, without allocating: no edit in the body
    if (!this.edits.some((e) => e.start >= start)) return 0;
    const inside = this.edits.filter((e) => e.start >= start);
    inside.sort(byPosition);
    for (const e of inside) {
      // as apply(): clipped to what is still there
      if (gone(e, pos)) continue;
      const s = Math.max(e.start, pos);
      const end = Math.max(pos, e.end, s);
      delta += e.text.length - (end - s);
      pos = end;
    }
    return delta;
  }

  /** Whether some edit removes or replaces bytes of [start, end) or inserts strictly inside it. */
  touches(start: number, end: number): boolean {
    return this.edits.some((e) => (e.end > e.start ? e.start < end && e.end > start : e.start > start && e.start < end));
  }

  /** Whether one edit deletes all of [start, end) (remove_hf() of that header line). */
  removes(start: number, end: number): boolean {
    return this.edits.some((e) => e.text === '' && e.start <= start && e.end >= end && e.end > e.start);
  }

  /** Add every edit of `other` (recorded over the same bytes). */
  copyFrom(other: EditList): void {
    for (const e of other.edits) this.edits.push({ ...e });
  }

  /** Drop every edit (revert to the original message). */
  clear(): void {
    this.edits = [];
  }
}
