// The challenge: 401 with WWW-Authenticate (registrars, UAS) or 407 with Proxy-Authenticate
// (proxies), RFC 3261 §22.1-§22.3, RFC 2617 §3.2.1. One header per algorithm we offer, the
// strongest first and MD5 last (RFC 8760 §2.4: a client uses the first it supports, so
// clients that only know MD5 still find theirs).

import type { DigestAlgorithm } from './digest.js';

export interface ChallengeInput {
  readonly kind: 'www' | 'proxy';
  readonly realm: string;
  /** offer qop="auth" (the script's second argument "1") */
  readonly qop: boolean;
  /** a fresh nonce per header */
  readonly nonce: () => string;
  /** the credentials carried an expired nonce of ours (RFC 2617 §3.2.1 stale) */
  readonly stale: boolean;
  readonly algorithms: readonly DigestAlgorithm[];
}

/** Realms are quoted-strings: a quote or backslash in one is escaped (RFC 3261 §25.1). */
function quote(s: string): string {
  return '"' + s.replace(/[\\"]/g, (c) => '\\' + c) + '"';
}

/** The header lines (without CRLF) of the challenge. */
export function challengeHeaders(c: ChallengeInput): string[] {
  const name = c.kind === 'www' ? 'WWW-Authenticate' : 'Proxy-Authenticate';
  return c.algorithms.map((alg) => {
    let h = `${name}: Digest realm=${quote(c.realm)}, nonce="${c.nonce()}"`;
    if (c.qop) h += ', qop="auth"';
    if (c.stale) h += ', stale=true';
    // RFC 2617 §3.2.1: algorithm absent means MD5; SER sent none, say it only for the others
    if (alg !== 'MD5') h += `, algorithm=${alg}`;
    return h;
  });
}

export const CHALLENGE_STATUS = {
  www: { code: 401, reason: 'Unauthorized' },
  proxy: { code: 407, reason: 'Proxy Authentication Required' },
} as const;
