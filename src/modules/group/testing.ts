// Support for the unit tests of group, uri and domain (not used by the server): a core that
// records its log, requests parsed from text, and the databases the tests run against: an SQLite
// file in a temporary directory always, MariaDB and PostgreSQL when they answer (each test
// database made and dropped here; a missing server is reported SKIPPED, never passed).

import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { DbError } from '../../db/api.js';
import { createDatabase, dropDatabase } from '../../db/db-init.js';
import { RequestContext, type AuthorizedCredentials } from '../../script/context.js';
import type { Core } from '../../script/core-api.js';
import { Myself } from '../../sip/myself.js';
import { parseMessage } from '../../sip/parser/message.js';
import type { SocketInfo } from '../../sip/transport/socket-info.js';
import { Logger, MemorySink } from '../../util/logger.js';
import type { Value } from '../../script/ast.js';
import { ConfigError } from '../../script/config-error.js';
import type { ActionResult, FixupContext, ModuleDescriptor } from '../../script/module-api.js';

export interface TestCore {
  readonly core: Core;
  readonly sink: MemorySink;
}

const SOCKET: SocketInfo = {
  id: 0, proto: 'udp', address: '192.0.2.1', port: 5060, family: 4, name: '192.0.2.1', viaHost: '192.0.2.1', viaPort: 5060, hostport: '192.0.2.1:5060',
};

export function testCore(): TestCore {
  const sink = new MemorySink();
  const core = { log: new Logger(sink, 4), myself: new Myself([SOCKET]), cfg: {} } as unknown as Core;
  return { core, sink };
}

export interface RequestSpec {
  ruri?: string;
  from?: string;
  to?: string;
  authorized?: AuthorizedCredentials;
}

/** A request context for an INVITE with the given URIs (and credentials, as auth_db would set them). */
export function requestCtx(core: Core, s: RequestSpec = {}): RequestContext {
  const ruri = s.ruri ?? 'sip:bob@example.com';
  const text = [
    `INVITE ${ruri} SIP/2.0`,
    'Via: SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bKgrp1',
    'Max-Forwards: 70',
    `From: <${s.from ?? 'sip:alice@example.com'}>;tag=1`,
    `To: <${s.to ?? 'sip:bob@example.com'}>`,
    'Call-ID: test-1@198.51.100.7',
    'CSeq: 1 INVITE',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
  const ctx = new RequestContext(core, parseMessage(Buffer.from(text, 'latin1')), { proto: 'udp', srcIp: '198.51.100.7', srcPort: 5060, socket: SOCKET });
  ctx.authorized = s.authorized;
  return ctx;
}

/** Credentials as auth_db sets them for a digest username and realm. */
export function credentials(username: string, realm: string): AuthorizedCredentials {
  const at = username.indexOf('@');
  return {
    username,
    user: at >= 0 ? username.slice(0, at) : username,
    realm,
    domain: at >= 0 ? username.slice(at + 1) : realm,
  };
}

/** A database for one test: its db_url, and how to remove it. Or why there is none (SKIPPED). */
export interface TestDb {
  readonly name: string;
  readonly url: string;
  drop(): Promise<void>;
}

export type DbProvider = { readonly name: string; open(): Promise<TestDb | string> };

export const sqliteDb: DbProvider = {
  name: 'SQLite',
  async open() {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ser-mod-sqlite-'));
    return { name: 'SQLite', url: `sqlite://${path.join(dir, 'ser.db')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  },
};

/** A fresh database with the schema on the server of `admin` (an administrator's URL), or why not. */
function serverDb(name: string, admin: string, scheme: string, how: string): DbProvider {
  return {
    name,
    async open() {
      const db = `ser_mod_${randomBytes(4).toString('hex')}`;
      const url = admin.replace(/\/[^/?]*(\?.*)?$/, `/${db}`).replace(/^[a-z]+:/, `${scheme}:`);
      try {
        await createDatabase(url, { accounts: false });
      } catch (e) {
        if (e instanceof DbError && e.code === 'unavailable') return `${name} is not reachable at ${admin} (${e.message}): NOT tested. ${how}`;
        throw e;
      }
      return { name, url, drop: () => dropDatabase(url) };
    },
  };
}

export const mariaDb = serverDb(
  'MariaDB',
  process.env['SER_TEST_MYSQL_URL'] ?? 'mysql://root@127.0.0.1:3306/test',
  'mysql',
  'Start MariaDB/MySQL on 127.0.0.1:3306 with root and no password, or set SER_TEST_MYSQL_URL.',
);

export const postgresDb = serverDb(
  'PostgreSQL',
  process.env['SER_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test',
  'postgres',
  'Start PostgreSQL on 127.0.0.1:5432 letting postgres in (trust), or set SER_TEST_PG_URL.',
);

/** Says loudly on standard error that a database was not tested. */
export function announceSkip(what: string, why: string): void {
  const bar = '!'.repeat(78);
  process.stderr.write(`\n${bar}\n!!! SKIPPED: ${what}\n!!! ${why}\n${bar}\n\n`);
}

/**
 * Calls module function `name` of `desc` as the script would: the fixup on constant string
 * arguments (a rejected argument throws its ConfigError), then run.
 */
export function callFn<S>(desc: ModuleDescriptor<S>, name: string, state: S, ctx: RequestContext, args: string[] = []): ActionResult {
  const spec = desc.functions[name];
  if (!spec) throw new Error(`no function ${name}`);
  if (!spec.arities.includes(args.length)) throw new Error(`${name} takes ${spec.arities.join(' or ')} arguments`);
  const loc = { file: 'test.cfg', line: 1, col: 1, len: 1 };
  const values: Value[] = args.map((value) => ({ kind: 'string', value, loc }));
  const fx: FixupContext = {
    params: {},
    error: (i, message, hint) => new ConfigError(message, { ...loc, col: 1 + i }, hint),
    hasRoute: () => true,
  };
  const fixed = spec.fixup ? spec.fixup(values, fx) : undefined;
  return spec.run(state, ctx, fixed);
}
