// The uri module's checks of the digest identity against the message (SER 0.8 modules/uri,
// checks.c): check_to(), check_from(), is_user(). They read the credentials that
// www_authorize()/proxy_authorize() accepted (ctx.authorized); without them they are false, as
// SER's "No authorized credentials found (error in scripts)".

import type { RequestContext } from '../../script/context.js';
import { parseUri } from '../../sip/parser/uri.js';

/** ASCII case-insensitive equality of two byte strings (C's strncasecmp over equal lengths). */
export function equalsIgnoreAsciiCase(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 65 && x <= 90) x += 32;
    if (y >= 65 && y <= 90) y += 32;
    if (x !== y) return false;
  }
  return true;
}

export type CheckResult = 'match' | 'differs' | 'no-credentials' | 'no-user' | 'bad-uri';

/**
 * SER's check_username() with use_uri_table 0: the user part of the URI must equal the digest
 * username, compared without regard to ASCII case ("the comparison is case insensitive": equal
 * lengths and strncasecmp), the URI's user as written (escaped; SER did not unescape it).
 * SER 0.8 compared the whole digest username; the user part of it is compared here (as SER 0.9,
 * `digest.username.user`), so that a client sending "alice@example.com" as its username still
 * matches sip:alice@example.com; for a username without '@' the two are the same.
 * A URI without a user part never matches (SER: "Username not found in URI").
 */
export function checkUsername(ctx: RequestContext, which: 'to' | 'from'): CheckResult {
  const cred = ctx.authorized;
  if (!cred) return 'no-credentials';
  let user: string | undefined;
  try {
    user = parseUri((which === 'to' ? ctx.msg.to : ctx.msg.from).uri).user;
  } catch {
    return 'bad-uri';
  }
  if (!user) return 'no-user';
  return equalsIgnoreAsciiCase(user, cred.user) ? 'match' : 'differs';
}

/**
 * SER's is_user(user): the digest username equals the argument exactly (memcmp over equal
 * lengths: case matters). SER 0.8 compared the whole digest username and SER 0.9 its user part;
 * both forms are accepted here, so is_user("alice") and is_user("alice@example.com") are both true
 * for the credentials of "alice@example.com". An empty username is never a match.
 */
export function isUser(ctx: RequestContext, user: string): boolean {
  const cred = ctx.authorized;
  if (!cred || cred.username === '') return false;
  return user === cred.username || (cred.user !== '' && user === cred.user);
}
