// The digest computation: RFC 2617 §3.2.2 (MD5, MD5-sess, qop=auth) and RFC 7616 §3.4.1
// (SHA-256, SHA-512-256 and their -sess forms), as RFC 8760 brings them to SIP.

import { createHash, timingSafeEqual } from 'node:crypto';

/** The algorithms we know, by their name on the wire (upper case). */
export type DigestAlgorithm = 'MD5' | 'MD5-SESS' | 'SHA-256' | 'SHA-256-SESS' | 'SHA-512-256' | 'SHA-512-256-SESS';

const HASH: Record<DigestAlgorithm, string> = {
  MD5: 'md5',
  'MD5-SESS': 'md5',
  'SHA-256': 'sha256',
  'SHA-256-SESS': 'sha256',
  'SHA-512-256': 'sha512-256',
  'SHA-512-256-SESS': 'sha512-256',
};

export function isDigestAlgorithm(a: string): a is DigestAlgorithm {
  return Object.prototype.hasOwnProperty.call(HASH, a);
}

/** The base algorithm of a -sess form (what HA1 is computed with). */
export function baseAlgorithm(a: DigestAlgorithm): 'MD5' | 'SHA-256' | 'SHA-512-256' {
  return a.startsWith('MD5') ? 'MD5' : a.startsWith('SHA-256') ? 'SHA-256' : 'SHA-512-256';
}

/** H(data) in lower-case hex. Credentials are byte strings (latin1), as they came on the wire. */
export function digestHash(a: DigestAlgorithm, data: string): string {
  return createHash(HASH[a]).update(data, 'latin1').digest('hex');
}

/** HA1 = H(username ":" realm ":" password) (RFC 2617 §3.2.2.2). */
export function ha1(a: DigestAlgorithm, username: string, realm: string, password: string): string {
  return digestHash(a, `${username}:${realm}:${password}`);
}

export interface ResponseInput {
  readonly algorithm: DigestAlgorithm;
  /** H(username:realm:password), from the database or computed */
  readonly ha1: string;
  readonly nonce: string;
  readonly method: string;
  readonly uri: string;
  readonly qop?: string | undefined;
  readonly ncText?: string | undefined;
  readonly cnonce?: string | undefined;
}

/** The request-digest a client with these values must have sent (RFC 2617 §3.2.2.1). */
export function expectedResponse(i: ResponseInput): string {
  let h1 = i.ha1.toLowerCase();
  // RFC 2617 §3.2.2.2: for -sess, HA1 = H(H(user:realm:pass) ":" nonce ":" cnonce)
  if (i.algorithm.endsWith('-SESS')) h1 = digestHash(i.algorithm, `${h1}:${i.nonce}:${i.cnonce ?? ''}`);
  // RFC 2617 §3.2.2.3: qop=auth (auth-int would hash the body; we do not offer it)
  const h2 = digestHash(i.algorithm, `${i.method}:${i.uri}`);
  return i.qop !== undefined
    ? digestHash(i.algorithm, `${h1}:${i.nonce}:${i.ncText ?? ''}:${i.cnonce ?? ''}:${i.qop}:${h2}`)
    : digestHash(i.algorithm, `${h1}:${i.nonce}:${h2}`);
}

/** Compares two hex digests in constant time (no timing oracle on the response). */
export function sameDigest(a: string, b: string): boolean {
  const x = Buffer.from(a.toLowerCase(), 'latin1');
  const y = Buffer.from(b.toLowerCase(), 'latin1');
  return x.length === y.length && timingSafeEqual(x, y);
}
