/**
 * A copy of `s` that holds on to nothing else. Text taken from a message (a branch, a tag) is
 * a slice of the message's whole head in V8, and keeps all of it alive as long as it lives;
 * state kept for seconds (transaction keys, Record-Route parts) stores this copy instead.
 */
export function detach(s: string): string {
  // concatenating makes a cons string; slicing flattens it into a new string first
  return (' ' + s).slice(1);
}
