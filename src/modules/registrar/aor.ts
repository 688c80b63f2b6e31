// The address of record a request is about (SER registrar's extract_aor): the user part of a
// URI, unescaped, lower-cased unless case_sensitive; with use_domain, "user@host" with the host
// lower-cased. save() reads it from the To URI (RFC 3261 §10.3 step 5), lookup() from the
// current Request-URI.

import { unescapeUri, type SipUri } from '../../sip/parser/uri.js';

/** SER's MAX_AOR_LEN. */
export const MAX_AOR_LEN = 256;

export interface AorOptions {
  readonly useDomain: boolean;
  readonly caseSensitive: boolean;
}

export type AorResult = { readonly aor: string } | { readonly error: 'no-user' | 'too-long' };

/** A-Z to a-z only, as SER's strlower (tolower in the C locale) did: other bytes stay. */
function asciiLower(s: string): string {
  return /[A-Z]/.test(s) ? s.replace(/[A-Z]+/g, (m) => m.toLowerCase()) : s;
}

export function aorOf(uri: SipUri, o: AorOptions): AorResult {
  const rawUser = uri.user ?? '';
  if (rawUser === '') return { error: 'no-user' };
  let user = unescapeUri(rawUser);
  if (!o.caseSensitive) user = asciiLower(user);
  const host = asciiLower(uri.host);
  const aor = o.useDomain && host !== '' ? `${user}@${host}` : user;
  if (aor.length > MAX_AOR_LEN) return { error: 'too-long' };
  return { aor };
}
