import { randomBytes } from 'node:crypto';
import type { Value } from '../../script/ast.js';
import type { Core } from '../../script/core-api.js';
import type { RequestContext } from '../../script/context.js';
import { defineModule, REQUEST_ROUTE, type FixupContext, type ParamValue } from '../../script/module-api.js';
import { argString, boolOf } from '../../script/values.js';
import { byteString } from '../../sip/edit.js';
import { authorize, defaultRealm, type AuthSettings, type Ha1Source } from './authorize.js';
import { CHALLENGE_STATUS, challengeHeaders } from './challenge.js';
import { isDigestAlgorithm, type DigestAlgorithm } from './digest.js';
import { Nonces } from './nonce.js';
import { statelessReply } from '../sl/index.js';

export { authorize, defaultRealm, type AuthOutcome, type Ha1Source } from './authorize.js';
export { baseAlgorithm, ha1, type DigestAlgorithm } from './digest.js';

/** The auth module's state: nonces and the algorithms offered. */
export interface AuthState extends AuthSettings {
  readonly core: Core;
  readonly timer: NodeJS.Timeout;
}

// auth_db (loaded after auth) finds the state of its server's auth module here.
const states = new WeakMap<Core, AuthState>();

/** The auth state of the server `core` belongs to, or undefined when auth is not loaded. */
export function authOf(core: Core): AuthState | undefined {
  return states.get(core);
}

/** The strongest first, MD5 last (RFC 8760 §2.4). */
const STRENGTH: readonly DigestAlgorithm[] = ['SHA-512-256', 'SHA-256', 'MD5'];

/** The `algorithms` parameter: a comma-separated list of MD5, SHA-256, SHA-512-256. */
export function parseAlgorithms(v: string): DigestAlgorithm[] | string {
  const names = v.split(',').map((s) => s.trim().toUpperCase()).filter((s) => s !== '');
  if (names.length === 0) return 'must name at least one algorithm';
  for (const n of names) {
    if (!isDigestAlgorithm(n) || n.endsWith('-SESS')) return `unknown algorithm '${n}' (known: MD5, SHA-256, SHA-512-256)`;
  }
  return STRENGTH.filter((a) => names.includes(a));
}

interface ChallengeArgs {
  readonly realm: string | undefined;
  readonly qop: boolean;
}

/** (realm, qop): "" realm means the request's own domain; qop "1" offers qop=auth. */
function challengeFixup(args: readonly Value[], fx: FixupContext): ChallengeArgs {
  const realm = byteString(argString(args, 0));
  if (/[\r\n]/.test(realm)) throw fx.error(0, 'the realm cannot contain line breaks');
  const qop = boolOf(args[1]!);
  if (qop === undefined) throw fx.error(1, `qop must be "0" or "1", not "${argString(args, 1)}"`, '"1" offers qop=auth (RFC 2617), "0" the plain RFC 2069 digest SER sent by default');
  return { realm: realm === '' ? undefined : realm, qop };
}

function challenge(st: AuthState, ctx: RequestContext, a: ChallengeArgs, kind: 'www' | 'proxy'): number | Promise<number> {
  const realm = a.realm ?? defaultRealm(ctx);
  const headers = challengeHeaders({
    kind,
    realm,
    qop: a.qop,
    nonce: () => st.nonces.issue(),
    stale: ctx.authStale,
    algorithms: st.algorithms,
  });
  const s = CHALLENGE_STATUS[kind];
  const sent = statelessReply(ctx, s.code, s.reason, headers);
  return sent instanceof Promise ? sent.then((ok) => (ok ? 1 : -1)) : sent ? 1 : -1;
}

/**
 * The checks behind www_authorize()/proxy_authorize() for modules that know where HA1 is
 * (auth_db): true when authorized; false to let the script challenge; 400 for malformed
 * credentials and 500 when the database cannot answer, both ending the script (0), as SER's
 * auth answered those itself.
 */
export async function authorizeRequest(
  st: AuthState,
  ctx: RequestContext,
  realmArg: string | undefined,
  kind: 'www' | 'proxy',
  source: Ha1Source,
): Promise<number> {
  const realm = realmArg ?? defaultRealm(ctx);
  const out = await authorize(ctx, st, realm, kind === 'www' ? 'authorization' : 'proxy-authorization', source);
  switch (out.result) {
    case 'authorized':
      return 1;
    case 'malformed':
      st.core.log.info(`auth: malformed credentials from ${ctx.rcv.srcIp}:${ctx.rcv.srcPort}: ${out.reason}`);
      await statelessReply(ctx, 400, 'Bad Request');
      return 0;
    case 'error':
      st.core.log.err(`auth: cannot check credentials: ${out.reason}`);
      await statelessReply(ctx, 500, 'Server Internal Error', ['Retry-After: 5']);
      return 0;
    default:
      return -1;
  }
}

const ALGORITHMS_DEFAULT = 'MD5';

export default defineModule<AuthState>({
  name: 'auth',
  doc: 'digest authentication: challenges and nonces (RFC 2617, RFC 7616/8760); auth_db checks the credentials',
  depends: ['sl'],
  params: {
    secret: {
      type: 'string',
      default: '',
      doc: 'the key nonces are signed with; servers with the same secret accept each other\'s nonces (random per start when empty)',
    },
    nonce_expire: {
      type: 'int',
      default: 300,
      check: (v: ParamValue) => (Number(v) >= 1 && Number(v) <= 86400 ? undefined : `must be 1..86400 seconds, not ${v}`),
      doc: 'seconds a nonce stays valid; credentials with an older one get a new challenge with stale=true',
    },
    algorithms: {
      type: 'string',
      default: ALGORITHMS_DEFAULT,
      check: (v: ParamValue) => {
        const r = parseAlgorithms(String(v));
        return typeof r === 'string' ? r : undefined;
      },
      doc: 'digest algorithms offered and accepted: MD5, SHA-256, SHA-512-256 (comma-separated; challenges list the strongest first, MD5 last)',
    },
  },
  functions: {
    www_challenge: {
      arities: [2],
      routes: REQUEST_ROUTE,
      fixup: challengeFixup,
      run: (st, ctx, a) => challenge(st, ctx, a as ChallengeArgs, 'www'),
      doc: 'www_challenge("iptel.org", "0"): answer 401 with WWW-Authenticate; "" realm = the To domain of a REGISTER, else the From domain; "1" offers qop=auth',
    },
    proxy_challenge: {
      arities: [2],
      routes: REQUEST_ROUTE,
      fixup: challengeFixup,
      run: (st, ctx, a) => challenge(st, ctx, a as ChallengeArgs, 'proxy'),
      doc: 'proxy_challenge("foo.bar", "0"): answer 407 with Proxy-Authenticate (realm and qop as www_challenge)',
    },
  },
  create: (core, p) => {
    const secret = String(p.secret ?? '') || randomBytes(16).toString('hex');
    const expire = Number(p.nonce_expire ?? 300);
    const algorithms = parseAlgorithms(String(p.algorithms ?? ALGORITHMS_DEFAULT)) as DigestAlgorithm[];
    const nonces = new Nonces(secret, expire);
    const timer = setInterval(() => nonces.sweep(), Math.min(expire, 60) * 1000);
    timer.unref();
    const st: AuthState = { core, nonces, algorithms, timer };
    states.set(core, st);
    return st;
  },
  destroy: (st) => clearInterval(st.timer),
});
