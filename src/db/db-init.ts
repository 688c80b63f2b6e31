// ser-dbinit: makes a database ready for ser, the successor of SER's ser_mysql.sh (admin guide
// §2.7 of the HOWTO: "execute /usr/sbin/ser_mysql.sh"):
//
//   ser-dbinit create <db_url> [--rw-user ser --rw-password P --ro-user serro --ro-password P2]
//                              [--no-accounts]
//   ser-dbinit drop <db_url> [--yes] [--drop-accounts [--rw-user ser --ro-user serro]]
//
// For MySQL/MariaDB and PostgreSQL the db_url names an administrator (root, postgres) and the
// database to make: create makes the database if it is missing, every table of the schema
// (src/db/schema.ts, CREATE TABLE IF NOT EXISTS: running it again changes nothing), and two
// accounts like ser_mysql.sh's: `ser`, which may select, insert, update and delete in that
// database (for ser's db_url), and `serro`, which may only select (for serweb and reports).
// Passwords come from --rw-password/--ro-password, else SER_RW_PW/SER_RO_PW, else a prompt on
// the terminal. For sqlite: it makes the file (and its directory) and the schema; for dbtext:
// the directory and one file per table.

import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { DbError } from './api.js';
import { createStatements, TABLES } from './schema.js';
import { checkIdent } from './sql-build.js';
import { parseDbUrl, type DbUrl, type MysqlUrl, type PostgresUrl } from './url.js';
import { connectFailure, describeError, wantsTls } from './reconnect.js';
import { tlsOptions } from './tls-options.js';

/** The two accounts create makes on a database server. */
export interface DbAccounts {
  readonly rwUser: string;
  readonly rwPassword: string;
  readonly roUser: string;
  readonly roPassword: string;
}

export interface CreateOptions {
  /** the accounts to make (mysql, postgres); false: none */
  readonly accounts?: DbAccounts | false;
  /** progress lines */
  readonly log?: (line: string) => void;
}

export interface DropOptions {
  /** accounts to drop as well (mysql, postgres) */
  readonly accounts?: readonly string[];
  readonly log?: (line: string) => void;
}

export const DEFAULT_RW_USER = 'ser';
export const DEFAULT_RO_USER = 'serro';

const ACCOUNT_RE = /^[A-Za-z_][A-Za-z0-9_]{0,31}$/;

function checkAccount(name: string, what: string): string {
  if (!ACCOUNT_RE.test(name)) {
    throw new DbError(`bad ${what} name ${JSON.stringify(name)}: expected letters, digits and '_' (at most 32), not starting with a digit`, 'bad-request');
  }
  return name;
}

function checkDbName(name: string): string {
  try {
    return checkIdent(name);
  } catch {
    throw new DbError(`bad database name ${JSON.stringify(name)}: expected letters, digits and '_', not starting with a digit`, 'bad-request');
  }
}

const CONNECT_TIMEOUT_MS = 5000;

// --- MySQL / MariaDB --------------------------------------------------------------------------------

type MysqlConn = import('mysql2/promise').Connection;

async function mysqlAdmin(u: MysqlUrl, database?: string): Promise<MysqlConn> {
  const mysql = (await import('mysql2/promise')).default;
  const socket = u.options['socket'] ?? u.options['socketPath'];
  const opts: import('mysql2/promise').ConnectionOptions = {
    host: u.host,
    port: u.port,
    charset: 'UTF8MB4_UNICODE_CI',
    connectTimeout: CONNECT_TIMEOUT_MS,
    multipleStatements: false,
  };
  if (u.user !== undefined) opts.user = u.user;
  if (u.password !== undefined) opts.password = u.password;
  if (socket) opts.socketPath = socket;
  if (wantsTls(u.options)) opts.ssl = tlsOptions();
  if (database !== undefined) opts.database = database;
  try {
    const c = await mysql.createConnection(opts);
    (c as unknown as { connection: NodeJS.EventEmitter }).connection.on('error', () => undefined);
    return c;
  } catch (err) {
    throw connectFailure('mysql', { host: u.host, port: u.port, user: u.user, database: database ?? '', url: u.url, socket }, err);
  }
}

function mysqlFail(u: MysqlUrl, what: string, err: unknown): DbError {
  if (err instanceof DbError) return err;
  const e = err as { code?: string; sqlMessage?: string };
  const msg = e.sqlMessage ?? describeError(err);
  const hint = e.code && /ACCESS_DENIED|SPECIFIC_ACCESS/.test(e.code)
    ? ` — the db_url's user (${u.user ?? '?'}) needs the privileges to create databases and accounts (root)` : '';
  return new DbError(`${u.url}: ${what}: ${msg}${hint}`, 'bad-request', { cause: err });
}

async function mysqlCreate(u: MysqlUrl, o: CreateOptions): Promise<void> {
  const log = o.log ?? (() => undefined);
  const db = checkDbName(u.database);
  const mysql = (await import('mysql2/promise')).default;
  const c = await mysqlAdmin(u);
  try {
    const step = async (what: string, sql: string, values?: unknown[]): Promise<unknown> => {
      try {
        const [r] = await c.query(sql, values);
        return r;
      } catch (err) {
        throw mysqlFail(u, what, err);
      }
    };
    const found = (await step('looking for the database', 'SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [db])) as unknown[];
    const had = found.length > 0;
    await step('creating the database', `CREATE DATABASE IF NOT EXISTS \`${db}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    log(had ? `database ${db}: already there` : `database ${db}: created`);
    await step('selecting the database', `USE \`${db}\``);
    const before = new Set(((await step('listing the tables', 'SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?', [db])) as { t: string }[]).map((r) => r.t));
    for (const sql of createStatements('mysql')) await step('creating the schema', sql);
    logTables(log, before);
    if (o.accounts) {
      const a = o.accounts;
      const grants: [string, string, string][] = [
        [a.rwUser, a.rwPassword, 'SELECT, INSERT, UPDATE, DELETE'],
        [a.roUser, a.roPassword, 'SELECT'],
      ];
      for (const [user, pw, privs] of grants) {
        // as ser_mysql.sh: the account from anywhere ('%') and from localhost (which an
        // anonymous ''@'localhost' account would otherwise shadow)
        const hosts = ['%', 'localhost'];
        const had = ((await step('looking for the account', 'SELECT Host FROM mysql.user WHERE User = ?', [user])) as { Host: string }[]).map((r) => r.Host);
        for (const host of hosts) {
          const who = `${mysql.escape(user)}@${mysql.escape(host)}`;
          await step(`creating the account ${user}`, `CREATE USER IF NOT EXISTS ${who} IDENTIFIED BY ${mysql.escape(pw)}`);
          await step(`setting the password of ${user}`, `ALTER USER ${who} IDENTIFIED BY ${mysql.escape(pw)}`);
          await step(`granting ${privs} to ${user}`, `GRANT ${privs} ON \`${db}\`.* TO ${who}`);
        }
        const state = hosts.every((h) => had.includes(h)) ? 'already there, password set' : 'created';
        log(`account ${user} ('${user}'@'%' and '${user}'@'localhost'): ${state}; may ${privs.toLowerCase()} on ${db}.*`);
      }
    }
  } finally {
    await c.end().catch(() => c.destroy());
  }
}

async function mysqlDrop(u: MysqlUrl, o: DropOptions): Promise<void> {
  const log = o.log ?? (() => undefined);
  const db = checkDbName(u.database);
  const mysql = (await import('mysql2/promise')).default;
  const c = await mysqlAdmin(u);
  try {
    try {
      const [r] = await c.query(`DROP DATABASE IF EXISTS \`${db}\``);
      log((r as { warningStatus?: number }).warningStatus ? `database ${db}: was not there` : `database ${db}: dropped`);
    } catch (err) {
      throw mysqlFail(u, 'dropping the database', err);
    }
    for (const user of o.accounts ?? []) {
      checkAccount(user, 'account');
      try {
        for (const host of ['%', 'localhost']) await c.query(`DROP USER IF EXISTS ${mysql.escape(user)}@${mysql.escape(host)}`);
        log(`account ${user}: dropped`);
      } catch (err) {
        throw mysqlFail(u, `dropping the account ${user}`, err);
      }
    }
  } finally {
    await c.end().catch(() => c.destroy());
  }
}

// --- PostgreSQL ---------------------------------------------------------------------------------

type PgClient = import('pg').Client;

async function pgAdmin(u: PostgresUrl, database: string): Promise<PgClient> {
  const pg = (await import('pg')).default;
  const c = new pg.Client({
    host: u.options['socket'] ?? u.host,
    port: u.port,
    user: u.user,
    password: u.password,
    database,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    ssl: wantsTls(u.options) ? tlsOptions() : false,
    application_name: 'ser-dbinit',
  });
  c.on('error', () => undefined);
  try {
    await c.connect();
    return c;
  } catch (err) {
    await c.end().catch(() => undefined);
    throw connectFailure('postgres', { host: u.host, port: u.port, user: u.user, database, url: u.url, socket: u.options['socket'] }, err);
  }
}

/** The administrator's connection to a database other than the one to make. */
async function pgMaintenance(u: PostgresUrl): Promise<PgClient> {
  const wanted = u.options['admin_db'];
  if (wanted) return pgAdmin(u, wanted);
  try {
    return await pgAdmin(u, 'postgres');
  } catch (err) {
    if (err instanceof DbError && (err.cause as { code?: string } | undefined)?.code === '3D000') return pgAdmin(u, 'template1');
    throw err;
  }
}

function pgFail(u: PostgresUrl, what: string, err: unknown): DbError {
  if (err instanceof DbError) return err;
  const e = err as { code?: string };
  const hint = e.code === '42501' ? ` — the db_url's user (${u.user ?? '?'}) needs the privileges to create databases and roles (postgres)` : '';
  return new DbError(`${u.url}: ${what}: ${describeError(err)}${hint}`, 'bad-request', { cause: err });
}

const pgq = (name: string): string => '"' + name + '"';

async function pgCreate(u: PostgresUrl, o: CreateOptions): Promise<void> {
  const log = o.log ?? (() => undefined);
  const db = checkDbName(u.database);
  const m = await pgMaintenance(u);
  const step = async (c: PgClient, what: string, sql: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }> => {
    try {
      return await c.query(sql, values);
    } catch (err) {
      throw pgFail(u, what, err);
    }
  };
  try {
    const had = (await step(m, 'looking for the database', 'SELECT 1 FROM pg_database WHERE datname = $1', [db])).rows.length > 0;
    if (!had) {
      try {
        await m.query(`CREATE DATABASE ${pgq(db)} ENCODING 'UTF8' TEMPLATE template0`);
      } catch (err) {
        // made by another ser-dbinit in the meantime
        if ((err as { code?: string }).code !== '42P04') throw pgFail(u, 'creating the database', err);
      }
    }
    log(had ? `database ${db}: already there` : `database ${db}: created`);
    if (o.accounts) {
      const a = o.accounts;
      for (const [user, pw] of [[a.rwUser, a.rwPassword], [a.roUser, a.roPassword]] as const) {
        const exists = (await step(m, 'looking for the role', 'SELECT 1 FROM pg_roles WHERE rolname = $1', [user])).rows.length > 0;
        const lit = m.escapeLiteral(pw);
        if (!exists) {
          try {
            await m.query(`CREATE ROLE ${pgq(user)} LOGIN PASSWORD ${lit}`);
          } catch (err) {
            if ((err as { code?: string }).code !== '42710') throw pgFail(u, `creating the role ${user}`, err);
          }
        }
        await step(m, `setting the password of ${user}`, `ALTER ROLE ${pgq(user)} WITH LOGIN PASSWORD ${lit}`);
      }
    }
  } finally {
    await m.end().catch(() => undefined);
  }
  const c = await pgAdmin(u, db);
  try {
    const before = new Set((await step(c, 'listing the tables', "SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public'")).rows.map((r) => String(r['t'])));
    for (const sql of createStatements('postgres')) await step(c, 'creating the schema', sql);
    logTables(log, before);
    if (o.accounts) {
      const rw = pgq(o.accounts.rwUser);
      const ro = pgq(o.accounts.roUser);
      const grants = [
        `GRANT CONNECT ON DATABASE ${pgq(db)} TO ${rw}, ${ro}`,
        `GRANT USAGE ON SCHEMA public TO ${rw}, ${ro}`,
        `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${rw}`,
        `GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO ${rw}`,
        `GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${ro}`,
        // tables made later by the administrator (a schema upgrade) get the same rights
        `ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${rw}`,
        `ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO ${rw}`,
        `ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO ${ro}`,
      ];
      for (const sql of grants) await step(c, 'granting privileges', sql);
      log(`role ${o.accounts.rwUser}: may select, insert, update, delete on the tables of ${db}`);
      log(`role ${o.accounts.roUser}: may select on the tables of ${db}`);
    }
  } finally {
    await c.end().catch(() => undefined);
  }
}

async function pgDrop(u: PostgresUrl, o: DropOptions): Promise<void> {
  const log = o.log ?? (() => undefined);
  const db = checkDbName(u.database);
  const m = await pgMaintenance(u);
  try {
    const had = (await m.query('SELECT 1 FROM pg_database WHERE datname = $1', [db])).rows.length > 0;
    if (had) {
      try {
        // sessions still on it (a running ser) would make DROP DATABASE fail
        await m.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [db]);
        await m.query(`DROP DATABASE IF EXISTS ${pgq(db)}`);
      } catch (err) {
        throw pgFail(u, 'dropping the database', err);
      }
    }
    log(had ? `database ${db}: dropped` : `database ${db}: was not there`);
    for (const user of o.accounts ?? []) {
      checkAccount(user, 'role');
      try {
        await m.query(`DROP ROLE IF EXISTS ${pgq(user)}`);
        log(`role ${user}: dropped`);
      } catch (err) {
        throw pgFail(u, `dropping the role ${user} (it may still have rights in another database)`, err);
      }
    }
  } finally {
    await m.end().catch(() => undefined);
  }
}

// --- SQLite and dbtext --------------------------------------------------------------------------

function logTables(log: (line: string) => void, before: ReadonlySet<string>): void {
  const made = TABLES.map((t) => t.name).filter((n) => !before.has(n));
  const kept = TABLES.length - made.length;
  if (made.length === 0) log(`tables: all ${TABLES.length} already there`);
  else log(`tables: created ${made.join(', ')}${kept > 0 ? ` (${kept} already there)` : ''}`);
}

/** SQLite and dbtext: their adapters make the file or directory and the missing tables on open. */
async function localCreate(u: Extract<DbUrl, { kind: 'sqlite' | 'dbtext' }>, o: CreateOptions): Promise<void> {
  const log = o.log ?? (() => undefined);
  let said = false;
  const say = (m: string): void => {
    said = true;
    log(m);
  };
  let db;
  if (u.kind === 'sqlite') {
    if (u.memory) throw new DbError('sqlite::memory: lives only inside one process: nothing to create', 'bad-request');
    const { openSqlite } = await import('./sqlite.js');
    db = await openSqlite(u, { log: say });
  } else {
    const { openDbtext } = await import('./dbtext.js');
    db = await openDbtext(u, { log: say });
  }
  await db.close();
  if (!said) log(`${u.kind === 'sqlite' ? `file ${u.path}` : `dbtext ${u.dir}`}: every table already there`);
}

// --- the API ------------------------------------------------------------------------------------

/** Makes the database of a db_url ready: database, schema and (servers) the two accounts. */
export async function createDatabase(url: string | DbUrl, o: CreateOptions = {}): Promise<void> {
  const u = typeof url === 'string' ? parseDbUrl(url) : url;
  if (o.accounts) {
    checkAccount(o.accounts.rwUser, 'read-write account');
    checkAccount(o.accounts.roUser, 'read-only account');
    if (o.accounts.rwUser === o.accounts.roUser) throw new DbError('the read-write and read-only accounts must differ', 'bad-request');
  }
  switch (u.kind) {
    case 'mysql': return mysqlCreate(u, o);
    case 'postgres': return pgCreate(u, o);
    case 'sqlite':
    case 'dbtext': return localCreate(u, o);
  }
}

/** Drops the database of a db_url (and, for servers, the accounts named in `o.accounts`). */
export async function dropDatabase(url: string | DbUrl, o: DropOptions = {}): Promise<void> {
  const u = typeof url === 'string' ? parseDbUrl(url) : url;
  const log = o.log ?? (() => undefined);
  switch (u.kind) {
    case 'mysql': return mysqlDrop(u, o);
    case 'postgres': return pgDrop(u, o);
    case 'sqlite': {
      if (u.memory) return;
      let n = 0;
      for (const f of [u.path, `${u.path}-wal`, `${u.path}-shm`]) {
        if (existsSync(f)) {
          rmSync(f, { force: true });
          n++;
        }
      }
      log(n > 0 ? `file ${u.path}: removed` : `file ${u.path}: was not there`);
      return;
    }
    case 'dbtext': {
      if (!existsSync(u.dir)) {
        log(`dbtext ${u.dir}: was not there`);
        return;
      }
      if (!statSync(u.dir).isDirectory()) throw new DbError(`dbtext ${u.dir} is not a directory`, 'bad-request');
      // only the table files: the directory may hold other things
      const names = new Set(TABLES.map((t) => t.name));
      let n = 0;
      for (const f of readdirSync(u.dir)) {
        if (names.has(f)) {
          rmSync(join(u.dir, f), { force: true });
          n++;
        }
      }
      log(`dbtext ${u.dir}: removed ${n} table files`);
      return;
    }
  }
}

// --- the command --------------------------------------------------------------------------------

export interface DbInitIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** asks on the terminal; undefined when there is none */
  readonly ask?: ((question: string, secret: boolean) => Promise<string>) | undefined;
}

export const USAGE = `usage:
  ser-dbinit create <db_url> [--rw-user ser] [--rw-password P] [--ro-user serro] [--ro-password P2]
                             [--no-accounts]
  ser-dbinit drop <db_url> [--yes] [--drop-accounts [--rw-user ser] [--ro-user serro]]

db_url: mysql://root[:password]@host[:port]/ser (also sql://, mariadb://),
        postgres://postgres[:password]@host[:port]/ser, sqlite:///path/ser.db, dbtext:///dir
The user of a mysql or postgres db_url is the administrator that creates the database and the
accounts: 'ser' (select, insert, update, delete) and 'serro' (select only), as ser_mysql.sh did.
Passwords: --rw-password/--ro-password, else SER_RW_PW/SER_RO_PW, else asked on the terminal.
`;

/** A question on the terminal, the answer not echoed when `secret`. */
export function terminalAsk(question: string, secret: boolean): Promise<string> {
  let muted = false;
  const out = new Writable({
    write(chunk: Buffer, _enc, cb): void {
      if (!muted) process.stdout.write(chunk);
      cb();
    },
  });
  const rl = createInterface({ input: process.stdin, output: out, terminal: true });
  return new Promise<string>((resolve) => {
    rl.question(question, (answer) => {
      rl.close();
      if (secret) process.stdout.write('\n');
      resolve(answer);
    });
    muted = secret;
  });
}

function defaultIo(): DbInitIo {
  return {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    env: process.env,
    ask: process.stdin.isTTY ? terminalAsk : undefined,
  };
}

interface Args {
  cmd: string;
  url: string | undefined;
  flags: Map<string, string | true>;
}

const VALUE_FLAGS = new Set(['--rw-user', '--rw-password', '--ro-user', '--ro-password']);
const BOOL_FLAGS = new Set(['--yes', '-y', '--no-accounts', '--drop-accounts', '-h', '--help']);

function parseArgs(argv: readonly string[]): Args {
  const flags = new Map<string, string | true>();
  const pos: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith('-') && a.length > 1) {
      const eq = a.indexOf('=');
      const name = eq > 0 ? a.slice(0, eq) : a;
      if (VALUE_FLAGS.has(name)) {
        const v = eq > 0 ? a.slice(eq + 1) : argv[++i];
        if (v === undefined) throw new DbError(`${name} needs a value`, 'bad-request');
        flags.set(name, v);
      } else if (BOOL_FLAGS.has(name) && eq < 0) {
        flags.set(name === '-y' ? '--yes' : name === '-h' ? '--help' : name, true);
      } else {
        throw new DbError(`unknown option ${a}`, 'bad-request');
      }
    } else {
      pos.push(a);
    }
  }
  if (pos.length > 2) throw new DbError(`unexpected argument ${JSON.stringify(pos[2])}`, 'bad-request');
  return { cmd: pos[0] ?? '', url: pos[1], flags };
}

async function password(io: DbInitIo, flag: string | true | undefined, env: string, user: string): Promise<string> {
  if (typeof flag === 'string') return flag;
  const fromEnv = io.env[env];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  if (!io.ask) {
    throw new DbError(`no password for the account '${user}': give it with --${env === 'SER_RW_PW' ? 'rw' : 'ro'}-password or ${env}, or run ser-dbinit on a terminal`, 'bad-request');
  }
  for (;;) {
    const a = await io.ask(`password for the account '${user}': `, true);
    if (a === '') {
      io.err('ser-dbinit: an empty password is not accepted\n');
      continue;
    }
    const b = await io.ask(`password for the account '${user}' again: `, true);
    if (a === b) return a;
    io.err('ser-dbinit: the two passwords differ; again\n');
  }
}

/** The server's administrator password, asked once when the db_url has none and access was refused. */
async function withAdminPassword<T>(io: DbInitIo, u: DbUrl, f: (u: DbUrl) => Promise<T>): Promise<T> {
  try {
    return await f(u);
  } catch (err) {
    if (!(err instanceof DbError) || err.code !== 'bad-request' || !/password/.test(err.message) || !io.ask) throw err;
    if ((u.kind !== 'mysql' && u.kind !== 'postgres') || u.password !== undefined) throw err;
    const pw = await io.ask(`${u.kind} password for ${u.user ?? 'the administrator'}: `, true);
    return f({ ...u, password: pw });
  }
}

/** `ser-dbinit argv...`: returns the exit status (0 done, 1 failed, 2 bad command line). */
export async function dbinitMain(argv: readonly string[], io: DbInitIo = defaultIo()): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(argv);
  } catch (err) {
    io.err(`ser-dbinit: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (args.flags.has('--help') || args.cmd === 'help') {
    io.out(USAGE);
    return 0;
  }
  if ((args.cmd !== 'create' && args.cmd !== 'drop') || !args.url) {
    io.err(`ser-dbinit: ${args.cmd === '' ? 'no command' : args.cmd !== 'create' && args.cmd !== 'drop' ? `unknown command '${args.cmd}'` : 'no db_url'}\n${USAGE}`);
    return 2;
  }
  const log = (line: string): void => io.out(`  ${line}\n`);
  try {
    const u = parseDbUrl(args.url);
    const server = u.kind === 'mysql' || u.kind === 'postgres';
    const rwUser = String(args.flags.get('--rw-user') ?? DEFAULT_RW_USER);
    const roUser = String(args.flags.get('--ro-user') ?? DEFAULT_RO_USER);
    if (args.cmd === 'create') {
      let accounts: DbAccounts | false = false;
      if (server && !args.flags.has('--no-accounts')) {
        checkAccount(rwUser, 'read-write account');
        checkAccount(roUser, 'read-only account');
        const rwPassword = await password(io, args.flags.get('--rw-password'), 'SER_RW_PW', rwUser);
        const roPassword = await password(io, args.flags.get('--ro-password'), 'SER_RO_PW', roUser);
        accounts = { rwUser, rwPassword, roUser, roPassword };
      }
      io.out(`ser-dbinit: creating ${u.url}\n`);
      await withAdminPassword(io, u, (v) => createDatabase(v, { accounts, log }));
      if (accounts && server) {
        const s = u as MysqlUrl | PostgresUrl;
        const host = s.host.includes(':') ? `[${s.host}]` : s.host;
        const scheme = u.kind === 'mysql' ? 'mysql' : 'postgres';
        io.out(`done. For ser.cfg: modparam("usrloc", "db_url", "${scheme}://${accounts.rwUser}:***@${host}:${s.port}/${s.database}")\n`);
      } else {
        io.out('done.\n');
      }
      return 0;
    }
    // drop
    if (!args.flags.has('--yes')) {
      if (!io.ask) {
        io.err(`ser-dbinit: refusing to drop ${u.url} without --yes (there is no terminal to ask)\n`);
        return 1;
      }
      const what = u.kind === 'sqlite' ? `the file ${u.path}` : u.kind === 'dbtext' ? `the table files in ${u.dir}` : `the database ${u.database} with every table in it`;
      const a = (await io.ask(`drop ${what} (${u.url})? [y/N] `, false)).trim().toLowerCase();
      if (a !== 'y' && a !== 'yes') {
        io.out('ser-dbinit: nothing dropped\n');
        return 1;
      }
    }
    const accounts = server && args.flags.has('--drop-accounts') ? [rwUser, roUser] : [];
    io.out(`ser-dbinit: dropping ${u.url}\n`);
    await withAdminPassword(io, u, (v) => dropDatabase(v, { accounts, log }));
    io.out('done.\n');
    return 0;
  } catch (err) {
    io.err(`ser-dbinit: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

