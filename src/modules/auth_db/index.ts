import type { Db } from '../../db/api.js';
import type { Value } from '../../script/ast.js';
import { defineModule, REQUEST_ROUTE, type FixupContext } from '../../script/module-api.js';
import { argString } from '../../script/values.js';
import { byteString } from '../../sip/edit.js';
import { authOf, authorizeRequest, type AuthState } from '../auth/index.js';
import { DEFAULT_DB_URL, dbUrlParam, openModuleDb, zeroOrOne } from '../db-params.js';
import { SubscriberHa1, type AuthDbOptions } from './ha1-source.js';

interface AuthDbState {
  readonly auth: AuthState;
  readonly db: Db;
  /** per table named in the script */
  readonly sources: Map<string, SubscriberHa1>;
}

interface AuthorizeArgs {
  readonly realm: string | undefined;
  readonly table: string;
}

function authorizeFixup(args: readonly Value[], fx: FixupContext): AuthorizeArgs {
  const realm = byteString(argString(args, 0));
  if (/[\r\n"]/.test(realm)) throw fx.error(0, 'the realm cannot contain line breaks or quotes');
  const table = argString(args, 1);
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(table)) throw fx.error(1, `'${table}' is not a table name`, 'the usual table is "subscriber"');
  return { realm: realm === '' ? undefined : realm, table };
}

function run(st: AuthDbState, ctx: Parameters<typeof authorizeRequest>[1], a: AuthorizeArgs, kind: 'www' | 'proxy'): Promise<number> {
  const src = st.sources.get(a.table)!;
  return authorizeRequest(st.auth, ctx, a.realm, kind, src);
}

// the tables named in www_authorize/proxy_authorize calls, per loaded configuration (see registrar)
const scriptTables = new WeakMap<object, Set<string>>();

function tableFixup(args: readonly Value[], fx: FixupContext): AuthorizeArgs {
  const a = authorizeFixup(args, fx);
  let set = scriptTables.get(fx.params);
  if (!set) scriptTables.set(fx.params, (set = new Set()));
  set.add(a.table);
  return a;
}

/**
 * SER's auth_db: www_authorize()/proxy_authorize() check digest credentials against the
 * subscriber table (RFC 2617 §3.2.2; the challenge is auth's www_challenge/proxy_challenge).
 */
export default defineModule<AuthDbState>({
  name: 'auth_db',
  doc: 'digest credentials checked against the subscriber table (SER auth_db)',
  depends: ['auth'],
  params: {
    db_url: dbUrlParam(`the database with the subscriber table (default ${DEFAULT_DB_URL}: ser.db in the working directory)`),
    user_column: { type: 'string', default: 'username', doc: 'column with the user name' },
    domain_column: { type: 'string', default: 'domain', doc: 'column with the domain (used when use_domain is 1)' },
    password_column: { type: 'string', default: 'ha1', doc: 'column with HA1 = MD5(username:realm:password), or the plain-text password with calculate_ha1' },
    password_column_2: { type: 'string', default: 'ha1b', doc: 'column with HA1 of usernames of the form user@domain' },
    calculate_ha1: { type: 'int', default: 0, check: zeroOrOne, doc: '1: password_column holds plain-text passwords and HA1 is computed (needed for SHA-256 digests)' },
    use_domain: { type: 'int', default: 0, check: zeroOrOne, doc: '1: the domain (of a user@domain username, else the realm) is part of the lookup' },
  },
  functions: {
    www_authorize: {
      arities: [2],
      routes: REQUEST_ROUTE,
      fixup: tableFixup,
      run: (st, ctx, a) => run(st, ctx, a as AuthorizeArgs, 'www'),
      doc: 'www_authorize("iptel.org", "subscriber"): true when the Authorization credentials are valid for that realm ("" = the To domain); false: challenge with www_challenge',
    },
    proxy_authorize: {
      arities: [2],
      routes: REQUEST_ROUTE,
      fixup: tableFixup,
      run: (st, ctx, a) => run(st, ctx, a as AuthorizeArgs, 'proxy'),
      doc: 'proxy_authorize("foo.bar", "subscriber"): the same with Proxy-Authorization ("" = the From domain); false: challenge with proxy_challenge',
    },
  },
  create: async (core, p) => {
    const auth = authOf(core);
    if (!auth) throw new Error("auth_db: module 'auth' must be loaded before 'auth_db'");
    const calculateHa1 = p.calculate_ha1 === 1;
    if (!calculateHa1 && auth.algorithms.some((a) => a !== 'MD5')) {
      throw new Error(
        `auth_db: auth's algorithms "${auth.algorithms.join(',')}" need the plain-text password (the stored ha1 and ha1b are MD5): ` +
          'set modparam("auth_db", "calculate_ha1", 1) with password_column "password", or offer MD5 only',
      );
    }
    const db = await openModuleDb(core, 'auth_db', p);
    const o: AuthDbOptions = {
      calculateHa1,
      useDomain: p.use_domain === 1,
      columns: {
        user: String(p.user_column),
        domain: String(p.domain_column),
        password: String(p.password_column),
        password2: String(p.password_column_2),
      },
    };
    const sources = new Map<string, SubscriberHa1>();
    for (const t of scriptTables.get(p) ?? []) sources.set(t, new SubscriberHa1(db, t, o));
    return { auth, db, sources };
  },
  destroy: (st) => st.db.close(),
});
