// openDb(db_url): the adapter for a db_url's scheme (src/db/url.ts). Each adapter is loaded only
// when a URL asks for it, so a server that uses dbtext or no database never loads better-sqlite3,
// mysql2 or pg.

import { DbError, type Db } from './api.js';
import { parseDbUrl, type DbUrl, type MysqlUrl, type PostgresUrl } from './url.js';

export interface OpenDbOptions {
  /** operator messages: tables created, connection lost and back */
  readonly log?: (msg: string) => void;
  /** the directory relative sqlite:// and dbtext:// paths start from (default: the working directory) */
  readonly cwd?: string;
}

interface AdapterOptions {
  readonly log?: (msg: string) => void;
}

type Opener<U> = (u: U, o: AdapterOptions) => Promise<Db>;

/** Loads an adapter module; the specifier is a variable so that the build does not need every adapter. */
async function load<T>(specifier: string, exported: string, what: string): Promise<T> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(specifier)) as Record<string, unknown>;
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    throw new DbError(
      code === 'ERR_MODULE_NOT_FOUND'
        ? `the ${what} adapter is not available: ${(e as Error).message}`
        : `the ${what} adapter failed to load: ${(e as Error).message}`,
      'unsupported', { cause: e });
  }
  const f = mod[exported];
  if (typeof f !== 'function') throw new DbError(`the ${what} adapter (${specifier}) does not export ${exported}()`, 'unsupported');
  return f as T;
}

/** Opens the database of a db_url: SQLite, MySQL/MariaDB, PostgreSQL or dbtext. */
export async function openDb(url: string, o: OpenDbOptions = {}): Promise<Db> {
  const parsed: DbUrl = parseDbUrl(url, o.cwd !== undefined ? { cwd: o.cwd } : {});
  const ao: AdapterOptions = o.log ? { log: o.log } : {};
  switch (parsed.kind) {
    case 'sqlite': {
      let sqlite: typeof import('./sqlite.js');
      try {
        sqlite = await import('./sqlite.js');
      } catch (e) {
        // better-sqlite3 is a native module: missing or built for another Node
        throw new DbError(`the SQLite adapter failed to load (better-sqlite3): ${(e as Error).message}`, 'unsupported', { cause: e });
      }
      return sqlite.openSqlite(parsed, ao);
    }
    case 'dbtext': {
      const { openDbtext } = await import('./dbtext.js');
      return openDbtext(parsed, ao);
    }
    case 'mysql': {
      const openMysql = await load<Opener<MysqlUrl>>('./mysql.js', 'openMysql', 'MySQL');
      return openMysql(parsed, ao);
    }
    case 'postgres': {
      const openPostgres = await load<Opener<PostgresUrl>>('./postgres.js', 'openPostgres', 'PostgreSQL');
      return openPostgres(parsed, ao);
    }
  }
}
