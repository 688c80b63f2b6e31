// Writing a string into a Buffer without Buffer#write's argument juggling, which costs more
// than the copy for the short strings of a SIP message (a third of a microsecond a call once
// optimised). latin1Write and utf8Write are the methods Buffer#write itself ends in; they have
// been on Buffer.prototype since Node's beginnings but are not in its type declarations.

interface EncodingWrites {
  latin1Write(s: string, offset: number): number;
  utf8Write(s: string, offset: number): number;
}

/** Write the byte string `s` (one char per byte) at `offset`; the number of bytes written. */
export function writeLatin1(b: Buffer, s: string, offset: number): number {
  return (b as unknown as EncodingWrites).latin1Write(s, offset);
}

/** Write `s` as UTF-8 at `offset` (as much as fits); the number of bytes written. */
export function writeUtf8(b: Buffer, s: string, offset: number): number {
  return (b as unknown as EncodingWrites).utf8Write(s, offset);
}
