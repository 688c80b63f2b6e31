/**
 * A copy of `s` that holds on to nothing else. Text taken from a message (a branch, a tag) is
 * a slice of the message's whole head in V8, and keeps all of it alive as long as it lives;
 * state kept for seconds (transaction keys, Record-Route parts) stores this copy instead.
 */
export function detach(s: string): string {
  // concatenating makes a cons string; slicing flattens it into a new string first
  return (' ' + s).slice(1);
}

/**
 * Message text (a byte string: one char per byte) as text a database, a log or an operator
 * reads: UTF-8 bytes are decoded (RFC 3261 §7.3.1: SIP text is UTF-8), so that a row written as
 * 'jürgen' matches a user name whose UTF-8 bytes came in the message (subscriber, grp lookups),
 * and a display name or User-Agent is stored and shown as 'Jürgen', not 'JÃ¼rgen' (acc,
 * usrloc's user_agent). Bytes that are not UTF-8 become U+FFFD. A URI's user part stays as
 * written: 'j%C3%BCrgen' is looked up escaped, as SER did. Pure ASCII, nearly always, is
 * returned as it is.
 */
export function dbText(bytes: string): string {
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(bytes)) return bytes;
  return Buffer.from(bytes, 'latin1').toString('utf8');
}
