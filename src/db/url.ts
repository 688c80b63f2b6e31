// db_url, the database a module uses (SER's modparam("usrloc", "db_url", "sql://ser:heslo@localhost/ser")):
//
//   sqlite:///var/lib/ser/ser.db     SQLite file, absolute path
//   sqlite://var/ser.db              SQLite file, relative to the working directory
//   sqlite::memory:                  SQLite in memory (gone at exit; tests)
//   mysql://user:pass@host[:port]/db MySQL or MariaDB (also mariadb://); SER's sql:// is the same
//   postgres://user:pass@host[:port]/db  PostgreSQL (also postgresql://)
//   dbtext:///var/lib/ser/db         SER's dbtext: a directory of table files; a bare absolute
//                                    path (SER 0.8's dbtext db_url) means the same
//
// User name and password may be percent-encoded (%40 for '@', %3A for ':'); an unencoded '@' in
// the password is also understood (the last '@' ends it). Query parameters (?ssl=true&socket=...)
// of the network URLs are handed to the adapter in `options`.

import { isAbsolute, resolve } from 'node:path';
import { DbError } from './api.js';

export interface SqliteUrl {
  readonly kind: 'sqlite';
  /** absolute file path, or ':memory:' */
  readonly path: string;
  readonly memory: boolean;
  /** the URL with any password hidden (for Db.url and logs) */
  readonly url: string;
}

export interface ServerUrl<K extends 'mysql' | 'postgres'> {
  readonly kind: K;
  /** host name or IP address (IPv6 without brackets) */
  readonly host: string;
  /** the given port, or the default (3306, 5432) */
  readonly port: number;
  readonly user: string | undefined;
  readonly password: string | undefined;
  readonly database: string;
  /** the query parameters, decoded */
  readonly options: Readonly<Record<string, string>>;
  /** the URL with the password hidden (for Db.url and logs) */
  readonly url: string;
}

export type MysqlUrl = ServerUrl<'mysql'>;
export type PostgresUrl = ServerUrl<'postgres'>;

export interface DbtextUrl {
  readonly kind: 'dbtext';
  /** absolute path of the directory holding the table files */
  readonly dir: string;
  readonly url: string;
}

export type DbUrl = SqliteUrl | MysqlUrl | PostgresUrl | DbtextUrl;

export const DB_URL_FORMS =
  'sqlite:///absolute/path.db, sqlite://relative/path.db, sqlite::memory:, ' +
  'mysql://user:password@host[:port]/database (or sql://, mariadb://), ' +
  'postgres://user:password@host[:port]/database (or postgresql://), ' +
  'dbtext:///absolute/directory';

function bad(url: string, why: string): DbError {
  return new DbError(`bad db_url "${redact(url)}": ${why}; expected one of: ${DB_URL_FORMS}`, 'bad-request');
}

function decode(url: string, s: string, what: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw bad(url, `${what} has a malformed %-escape`);
  }
}

/** A file or directory path of a sqlite:// or dbtext:// URL (after the scheme). */
function localPath(url: string, rest: string, cwd: string, what: string): string {
  if (rest.includes('?') || rest.includes('#')) throw bad(url, `a ${what} URL takes no query string (encode '?' in a path as %3F)`);
  let p: string;
  if (rest.startsWith('//')) p = rest.slice(2); // sqlite:///abs -> /abs ; sqlite://rel -> rel
  else if (rest.startsWith('/')) p = rest;      // sqlite:/abs
  else throw bad(url, `expected ${what}:///absolute/path or ${what}://relative/path`);
  p = decode(url, p, 'the path');
  if (p === '' || p === '/') throw bad(url, `no ${what === 'dbtext' ? 'directory' : 'file'} path`);
  if (p.includes('\0')) throw bad(url, 'the path contains a NUL character');
  return isAbsolute(p) ? resolve(p) : resolve(cwd, p);
}

function serverUrl<K extends 'mysql' | 'postgres'>(url: string, kind: K, rest: string): ServerUrl<K> {
  if (!rest.startsWith('//')) throw bad(url, `expected ${kind}://user:password@host[:port]/database`);
  let body = rest.slice(2);
  let query = '';
  const qi = body.indexOf('?');
  if (qi >= 0) {
    query = body.slice(qi + 1);
    body = body.slice(0, qi);
  }
  const at = body.lastIndexOf('@');
  let userinfo: string | undefined;
  if (at >= 0) {
    userinfo = body.slice(0, at);
    body = body.slice(at + 1);
  }
  const slash = body.indexOf('/');
  if (slash < 0) throw bad(url, 'no database name (…@host/database)');
  const hostport = body.slice(0, slash);
  const database = decode(url, body.slice(slash + 1), 'the database name');
  if (database === '' || database.includes('/')) throw bad(url, 'expected one database name after the host');
  let host: string;
  let portText: string | undefined;
  if (hostport.startsWith('[')) {
    const close = hostport.indexOf(']');
    if (close < 0) throw bad(url, "unclosed '[' in the host");
    host = hostport.slice(1, close);
    const after = hostport.slice(close + 1);
    if (after !== '') {
      if (!after.startsWith(':')) throw bad(url, "expected ':port' after ']'");
      portText = after.slice(1);
    }
  } else {
    const colon = hostport.indexOf(':');
    if (colon >= 0) {
      host = hostport.slice(0, colon);
      portText = hostport.slice(colon + 1);
    } else {
      host = hostport;
    }
  }
  host = decode(url, host, 'the host');
  if (host === '') throw bad(url, 'no host');
  if (/[\s/@]/.test(host)) throw bad(url, `bad host "${host}"`);
  let port = kind === 'mysql' ? 3306 : 5432;
  if (portText !== undefined) {
    if (!/^\d{1,5}$/.test(portText) || +portText < 1 || +portText > 65535) throw bad(url, `bad port "${portText}" (1-65535)`);
    port = +portText;
  }
  let user: string | undefined;
  let password: string | undefined;
  if (userinfo !== undefined) {
    const colon = userinfo.indexOf(':');
    user = decode(url, colon >= 0 ? userinfo.slice(0, colon) : userinfo, 'the user name');
    if (colon >= 0) password = decode(url, userinfo.slice(colon + 1), 'the password');
    if (user === '') user = undefined;
  }
  const options: Record<string, string> = {};
  if (query !== '') {
    for (const part of query.split('&')) {
      if (part === '') continue;
      const eq = part.indexOf('=');
      const k = decode(url, (eq >= 0 ? part.slice(0, eq) : part).replace(/\+/g, ' '), 'a query parameter');
      const v = eq >= 0 ? decode(url, part.slice(eq + 1).replace(/\+/g, ' '), 'a query parameter') : '';
      options[k] = v;
    }
  }
  return { kind, host, port, user, password, database, options, url: redact(url) };
}

/**
 * Parses a db_url; DbError 'bad-request' saying what is expected for anything else.
 * Relative sqlite:// and dbtext:// paths are resolved against `cwd` (default: the working directory).
 */
export function parseDbUrl(url: string, o: { cwd?: string } = {}): DbUrl {
  if (typeof url !== 'string' || url.trim() === '') throw bad(String(url ?? ''), 'empty');
  const u = url.trim();
  const cwd = o.cwd ?? process.cwd();
  if (u.startsWith('/')) {
    // SER 0.8's dbtext took a bare directory path as its db_url
    return { kind: 'dbtext', dir: localPath(u, u, cwd, 'dbtext'), url: u };
  }
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):(.*)$/s.exec(u);
  if (!m) throw bad(u, 'no scheme');
  const scheme = m[1]!.toLowerCase();
  const rest = m[2]!;
  switch (scheme) {
    case 'sqlite':
    case 'sqlite3': {
      if (rest === ':memory:' || rest === '//:memory:') return { kind: 'sqlite', path: ':memory:', memory: true, url: u };
      return { kind: 'sqlite', path: localPath(u, rest, cwd, 'sqlite'), memory: false, url: u };
    }
    case 'dbtext':
      return { kind: 'dbtext', dir: localPath(u, rest, cwd, 'dbtext'), url: u };
    case 'mysql':
    case 'mariadb':
    case 'sql':
      return serverUrl(u, 'mysql', rest);
    case 'postgres':
    case 'postgresql':
      return serverUrl(u, 'postgres', rest);
    default:
      throw bad(u, `unknown scheme "${m[1]}:"`);
  }
}

const SECRET_PARAMS = /([?&](?:password|passwd|pass|pwd|sslpassword)=)[^&#]*/gi;

/** The URL with the password (user:PASSWORD@ and ?password=) replaced by '***'. */
export function redact(url: string): string {
  let s = String(url);
  const start = s.indexOf('://');
  if (start >= 0) {
    const authStart = start + 3;
    const q = s.indexOf('?', authStart);
    const end = q >= 0 ? q : s.length;
    const at = s.lastIndexOf('@', end - 1);
    if (at >= authStart) {
      const colon = s.indexOf(':', authStart);
      if (colon >= 0 && colon < at) s = s.slice(0, colon + 1) + '***' + s.slice(at);
    }
  }
  return s.replace(SECRET_PARAMS, '$1***');
}
