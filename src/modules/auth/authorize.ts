// Checking the credentials of a request (SER auth's pre_auth/post_auth around auth_db's
// get_ha1): pick the credentials for our realm, check them against the request and the nonce,
// compute the expected response from the user's HA1 and compare.

import type { AuthorizedCredentials, RequestContext } from '../../script/context.js';
import { parseUri, type SipUri } from '../../sip/parser/uri.js';
import { parseDigestCredentials, type DigestCredentials } from './credentials.js';
import { expectedResponse, isDigestAlgorithm, sameDigest, type DigestAlgorithm } from './digest.js';
import type { Nonces } from './nonce.js';

/** Where HA1 comes from (auth_db: the subscriber table). */
export interface Ha1Source {
  /**
   * H(username:realm:password) with the hash of `alg`'s family; undefined for an unknown user.
   * Rejects (DbError) when the database cannot answer.
   */
  ha1(username: string, realm: string, alg: DigestAlgorithm): Promise<string | undefined>;
}

export interface AuthSettings {
  readonly nonces: Nonces;
  /** the algorithms we accept (and offer) */
  readonly algorithms: readonly DigestAlgorithm[];
}

/**
 * authorized: the request proved its user (ctx.authorized is set);
 * no-credentials, invalid, stale: false in the script, which then challenges (stale=true for stale);
 * malformed: the credentials cannot be parsed (the caller answers 400);
 * error: the database could not answer (the caller answers 500).
 */
export type AuthOutcome =
  | { result: 'authorized'; cred: AuthorizedCredentials }
  | { result: 'no-credentials' | 'invalid' | 'stale' }
  | { result: 'malformed'; reason: string }
  | { result: 'error'; reason: string };

/** The realm a script's "" stands for: the To host for REGISTER, the From host otherwise (SER, Kamailio). */
export function defaultRealm(ctx: RequestContext): string {
  try {
    return parseUri(ctx.msg.method === 'REGISTER' ? ctx.msg.to.uri : ctx.msg.from.uri).host;
  } catch {
    return '';
  }
}

function sameUri(a: string, b: string): boolean {
  if (a === b) return true;
  // RFC 2617 §3.2.2.5 wants the digest-uri to match the Request-URI; compare what matters of
  // two spellings of one SIP URI (scheme, user, host case-insensitively, port)
  let x: SipUri;
  let y: SipUri;
  try {
    x = parseUri(a);
    y = parseUri(b);
  } catch {
    return false;
  }
  return x.scheme === y.scheme && x.user === y.user && x.host.toLowerCase() === y.host.toLowerCase() && x.port === y.port;
}

/** Credentials of the request for `realm`, in `hf` ('authorization' or 'proxy-authorization'). */
function pick(ctx: RequestContext, hf: string, realm: string): { cred: DigestCredentials } | { malformed: string } | undefined {
  let firstError: string | undefined;
  for (const h of ctx.msg.headersNamed(hf)) {
    const p = parseDigestCredentials(ctx.msg.value(h));
    if (!p.ok) {
      firstError ??= p.reason;
      continue;
    }
    // RFC 3261 §22.3: credentials for other realms (other proxies on the path) are left alone
    if (p.cred.realm === realm) return { cred: p.cred };
  }
  return firstError !== undefined ? { malformed: firstError } : undefined;
}

export async function authorize(ctx: RequestContext, s: AuthSettings, realm: string, hf: string, source: Ha1Source): Promise<AuthOutcome> {
  const picked = pick(ctx, hf, realm);
  if (!picked) return { result: 'no-credentials' };
  if ('malformed' in picked) return { result: 'malformed', reason: picked.malformed };
  const c = picked.cred;
  if (!isDigestAlgorithm(c.algorithm) || !s.algorithms.includes(c.algorithm)) return { result: 'invalid' };
  if (c.username === '' || !sameUri(c.uri, ctx.msg.ruri)) return { result: 'invalid' };
  if (c.qop !== undefined && c.qop.toLowerCase() !== 'auth') return { result: 'invalid' };
  const n = s.nonces.check(c.nonce, c.nc);
  if (n === 'stale') {
    ctx.authStale = true;
    return { result: 'stale' };
  }
  if (n !== 'ok') return { result: 'invalid' };
  let ha1: string | undefined;
  try {
    ha1 = await source.ha1(c.username, realm, c.algorithm);
  } catch (e) {
    return { result: 'error', reason: (e as Error).message };
  }
  if (ha1 === undefined) return { result: 'invalid' };
  const want = expectedResponse({
    algorithm: c.algorithm,
    ha1,
    nonce: c.nonce,
    method: ctx.msg.method,
    uri: c.uri,
    qop: c.qop,
    ncText: c.ncText,
    cnonce: c.cnonce,
  });
  if (!sameDigest(want, c.response)) return { result: 'invalid' };
  // the count is recorded only now, so a wrong guess does not use it up; checked again because
  // a request with the same count may have been accepted while the database answered
  if (s.nonces.check(c.nonce, c.nc) !== 'ok') return { result: 'invalid' };
  s.nonces.accept(c.nonce, c.nc);
  const at = c.username.indexOf('@');
  const cred: AuthorizedCredentials = {
    username: c.username,
    user: at >= 0 ? c.username.slice(0, at) : c.username,
    realm,
    domain: at >= 0 ? c.username.slice(at + 1) : realm,
  };
  ctx.authorized = cred;
  return { result: 'authorized', cred };
}
