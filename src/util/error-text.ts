/**
 * How a caught error is logged by code that must go on (answer 500, return -1, keep its timer):
 * the message of an error that belongs to the situation (a database gone, a header that does not
 * parse), and `BUG:` with the stack for the errors JavaScript raises on a programming mistake, so
 * that one is never mistaken for the other in the log.
 */
export function errorText(e: unknown): string {
  if (e instanceof TypeError || e instanceof RangeError || e instanceof ReferenceError || e instanceof SyntaxError) {
    return `BUG: ${e.stack ?? e.message}`;
  }
  return e instanceof Error ? e.message : String(e);
}
