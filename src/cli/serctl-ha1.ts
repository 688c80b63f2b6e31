// serctl's gen_ha1: the credentials stored in the subscriber table (RFC 2617 §3.2.2.2):
// HA1 = MD5(username ":" realm ":" password). SER stores two: ha1 for the plain user name and
// ha1b for "user@domain" as the user name (some phones send the full address as the user name),
// both with SIP_DOMAIN as the realm.

import { createHash } from 'node:crypto';

/** MD5(user:realm:password), lower-case hex. */
export function genHa1(user: string, realm: string, password: string): string {
  return createHash('md5').update(`${user}:${realm}:${password}`, 'utf8').digest('hex');
}

/** The subscriber row's ha1 and ha1b for `user` in `domain` (the realm). */
export function credentials(user: string, domain: string, password: string): { ha1: string; ha1b: string } {
  return { ha1: genHa1(user, domain, password), ha1b: genHa1(`${user}@${domain}`, domain, password) };
}
