// openDb(db_url): the adapter for a db_url's scheme (src/db/url.ts). Each adapter is loaded only
// when a URL asks for it, so a server that uses dbtext or no database never loads better-sqlite3,
// mysql2 or pg.

import { DbError, type Db } from './api.js';
import { parseDbUrl, type DbUrl } from './url.js';

export interface OpenDbOptions {
  /** operator messages: tables created, connection lost and back */
  readonly log?: (msg: string) => void;
  /** the directory relative sqlite:// and dbtext:// paths start from (default: the working directory) */
  readonly cwd?: string;
}

interface AdapterOptions {
  readonly log?: (msg: string) => void;
}

/**
 * Loads an adapter module. The specifiers stay literal so that the bundle (tools/bundle.js) keeps
 * each adapter in a chunk of its own, loaded only when a db_url asks for it.
 */
async function load<T>(importer: () => Promise<T>, what: string, pkg: string): Promise<T> {
  try {
    return await importer();
  } catch (e) {
    // the driver package is missing, or (better-sqlite3) built for another Node
    throw new DbError(`the ${what} adapter failed to load (${pkg}): ${(e as Error).message}`, 'unsupported', { cause: e });
  }
}

/** Opens the database of a db_url: SQLite, MySQL/MariaDB, PostgreSQL or dbtext. */
export async function openDb(url: string, o: OpenDbOptions = {}): Promise<Db> {
  const parsed: DbUrl = parseDbUrl(url, o.cwd !== undefined ? { cwd: o.cwd } : {});
  const ao: AdapterOptions = o.log ? { log: o.log } : {};
  switch (parsed.kind) {
    case 'sqlite': {
      const { openSqlite } = await load(() => import('./sqlite.js'), 'SQLite', 'better-sqlite3');
      return openSqlite(parsed, ao);
    }
    case 'dbtext': {
      const { openDbtext } = await import('./dbtext.js');
      return openDbtext(parsed, ao);
    }
    case 'mysql': {
      const { openMysql } = await load(() => import('./mysql.js'), 'MySQL', 'mysql2');
      return openMysql(parsed, ao);
    }
    case 'postgres': {
      const { openPostgres } = await load(() => import('./postgres.js'), 'PostgreSQL', 'pg');
      return openPostgres(parsed, ao);
    }
  }
}
