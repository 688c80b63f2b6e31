// Bounds on what one message may make the parser do or allocate (hostile input).

/** Start line + header fields, bytes. Larger heads are refused (RFC 3261 §21.5.7: 513). */
export const MAX_HEAD = 65536;
/** Header fields per message. */
export const MAX_HEADERS = 256;
