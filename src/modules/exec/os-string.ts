// Text handed to the operating system (environment values, command arguments). The SIP core
// carries message text as byte strings (latin1: one char per byte), but Node encodes strings
// for exec() as UTF-8; so the bytes are decoded as UTF-8 here, and a child sees the very bytes
// that arrived whenever they are valid UTF-8 (otherwise each bad sequence becomes U+FFFD).
// NUL cannot be passed in an environment value or argument (C strings): it is removed.

/** A byte string (latin1) as the string whose UTF-8 encoding is the same bytes; NULs removed. */
export function osString(bytes: string): string {
  const noNul = bytes.includes('\0') ? bytes.replace(/\0/g, '') : bytes;
  // ASCII needs no conversion (the usual case)
  if (/^[\x00-\x7f]*$/.test(noNul)) return noNul;
  return Buffer.from(noNul, 'latin1').toString('utf8');
}

/** A header value as one line: folding (CRLF or LF followed by blanks, RFC 3261 §7.3.1) becomes one space. */
export function unfold(value: string): string {
  return value.replace(/\r?\n[ \t]+/g, ' ').replace(/[\r\n]+/g, ' ');
}

/** A command for log lines: one line, at most 80 characters. */
export function shortCommand(cmd: string): string {
  const one = cmd.replace(/\s+/g, ' ').trim();
  return one.length > 80 ? one.slice(0, 77) + '...' : one;
}
