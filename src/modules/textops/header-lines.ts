// Text the script gives as whole header lines: append_hf("P-hint: USRLOC\r\n"),
// append_urihf("CC-Diversion: ", "\r\n"), append_to_reply("Foo: bar\r\n"). SER copied it into
// the message as it was; a missing CRLF glued the next header to it and a stray empty line
// ended the head early, so the message that left was broken. Here the text is checked once at
// start-up, and a missing final CRLF is added.

/** token (RFC 3261 §25.1) and HCOLON: the start of a header field line. */
export const FIELD_START = /^[A-Za-z0-9\-.!%*_+`'~]+[ \t]*:/;

/**
 * `text` (a byte string) as header lines, each without its CRLF; a string describing the
 * problem when it is not one or more header field lines. A line starting with SP or HTAB
 * continues the previous one (RFC 3261 §7.3.1 folding). A final LF alone is taken for CRLF.
 */
export function headerLines(text: string): string[] | string {
  let t = text;
  if (t.endsWith('\r\n')) t = t.slice(0, -2);
  else if (t.endsWith('\n')) t = t.slice(0, -1);
  if (t === '') return 'the text is empty: a header line "Name: value" is needed';
  const lines = t.split('\r\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '') return 'the text has an empty line, which would end the header';
    if (/[\r\n]/.test(line)) return 'a line break must be "\\r\\n"';
    const folded = line.charCodeAt(0) === 32 || line.charCodeAt(0) === 9;
    if (i === 0 && folded) return 'the text starts with whitespace, which would continue the previous header line';
    if (!folded && !FIELD_START.test(line)) return `"${line}" is not a header field line "Name: value"`;
  }
  return lines;
}
