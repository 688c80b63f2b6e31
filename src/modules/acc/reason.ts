// The reason phrase of a status the server itself sent (SER's get_reply_status for a faked
// reply took error_text(code)): read back from the reply's status line when it was kept, else
// RFC 3261's phrase for the code.

const PHRASES: Readonly<Record<number, string>> = {
  200: 'OK', 202: 'Accepted',
  300: 'Multiple Choices', 301: 'Moved Permanently', 302: 'Moved Temporarily', 305: 'Use Proxy', 380: 'Alternative Service',
  400: 'Bad Request', 401: 'Unauthorized', 402: 'Payment Required', 403: 'Forbidden', 404: 'Not Found',
  405: 'Method Not Allowed', 406: 'Not Acceptable', 407: 'Proxy Authentication Required', 408: 'Request Timeout',
  410: 'Gone', 413: 'Request Entity Too Large', 414: 'Request-URI Too Long', 415: 'Unsupported Media Type',
  416: 'Unsupported URI Scheme', 420: 'Bad Extension', 421: 'Extension Required', 423: 'Interval Too Brief',
  480: 'Temporarily Unavailable', 481: 'Call/Transaction Does Not Exist', 482: 'Loop Detected', 483: 'Too Many Hops',
  484: 'Address Incomplete', 485: 'Ambiguous', 486: 'Busy Here', 487: 'Request Terminated', 488: 'Not Acceptable Here',
  491: 'Request Pending', 493: 'Undecipherable',
  500: 'Server Internal Error', 501: 'Not Implemented', 502: 'Bad Gateway', 503: 'Service Unavailable',
  504: 'Server Time-out', 505: 'Version Not Supported', 513: 'Message Too Large',
  600: 'Busy Everywhere', 603: 'Decline', 604: 'Does Not Exist Anywhere', 606: 'Not Acceptable',
};

/** RFC 3261's reason phrase for a status code ("Unknown" for others, never empty). */
export function reasonPhrase(status: number): string {
  return PHRASES[status] ?? 'Unknown';
}

/** The reason phrase of a response's bytes when its status line has `status`, else undefined. */
export function reasonOf(buf: Buffer | undefined, status: number): string | undefined {
  if (!buf) return undefined;
  const end = buf.indexOf('\r\n');
  const line = buf.toString('latin1', 0, end < 0 ? Math.min(buf.length, 512) : Math.min(end, 512));
  const m = /^SIP\/2\.0 (\d{3}) (.*)$/.exec(line);
  return m && Number(m[1]) === status ? m[2] : undefined;
}
