// What every serctl command gets: output, the environment, the config's settings, and the
// database and FIFO opened on demand.

import type { Db } from '../db/api.js';
import { DbError } from '../db/api.js';
import { openDb } from '../db/open.js';
import { parseDbUrl } from '../db/url.js';
import { dbUrl, fifoPath, loadCfgSettings, SerctlError, withPassword, type CfgSettings, type Env } from './serctl-env.js';
import { fifoCommand, printableReply, type FifoReply } from './serctl-fifo.js';

export interface SerctlIo {
  out(text: string): void;
  err(text: string): void;
  /** a question on the terminal; undefined when stdin is not a terminal */
  readonly ask: ((question: string, secret: boolean) => Promise<string>) | undefined;
}

export class SerctlContext {
  private cfgCache: CfgSettings | undefined;
  private dbCache: Db | undefined;

  constructor(
    readonly io: SerctlIo,
    readonly e: Env,
    /** how long to wait for a FIFO reply */
    readonly fifoTimeoutMs = 5000,
  ) {}

  get cfg(): CfgSettings {
    this.cfgCache ??= loadCfgSettings(this.e);
    return this.cfgCache;
  }

  get fifo(): string {
    return fifoPath(this.e, this.cfg);
  }

  out(text: string): void {
    this.io.out(text);
  }

  /**
   * The database. `writes`: the command is one the usage marks (*): a mysql/postgres db_url
   * without a password takes PW, else asks on the terminal ("MySql password: "), else fails.
   * (SQLite and dbtext have no password.) Read-only commands use the db_url as it is.
   */
  async db(writes: boolean): Promise<Db> {
    if (this.dbCache) return this.dbCache;
    const { url: given, from } = dbUrl(this.e, this.cfg);
    let url = given;
    let parsed;
    try {
      parsed = parseDbUrl(given, { cwd: this.e.cwd });
    } catch (err) {
      throw new SerctlError(`bad db_url from ${from}: ${(err as Error).message}`);
    }
    if (writes && (parsed.kind === 'mysql' || parsed.kind === 'postgres') && parsed.password === undefined && parsed.user !== undefined) {
      let pw = this.e.env['PW'];
      if (pw === undefined || pw === '') {
        if (!this.io.ask) {
          throw new SerctlError(`the database ${parsed.url} needs ${parsed.user}'s password: set PW (export PW=...), put it in the db_url, or run serctl on a terminal to be asked`);
        }
        pw = await this.io.ask(`${parsed.kind === 'mysql' ? 'MySql' : 'PostgreSQL'} password: `, true);
      }
      url = withPassword(given, pw);
    }
    try {
      this.dbCache = await openDb(url, { cwd: this.e.cwd });
    } catch (err) {
      const msg = err instanceof DbError ? err.message : String(err);
      throw new SerctlError(`cannot open the database ${parsed.url} (db_url from ${from}): ${msg}`);
    }
    return this.dbCache;
  }

  /** A FIFO request; FifoError when the server cannot be reached. */
  fifoCmd(cmd: string, params: readonly string[] = [], timeoutMs = this.fifoTimeoutMs): Promise<FifoReply> {
    return fifoCommand({ fifo: this.fifo, timeoutMs }, cmd, params);
  }

  /** A FIFO request whose reply is printed as SER's serctl printed it; the exit status. */
  async fifoPrint(cmd: string, params: readonly string[] = [], timeoutMs = this.fifoTimeoutMs): Promise<number> {
    const r = await this.fifoCmd(cmd, params, timeoutMs);
    this.out(printableReply(r));
    return r.code >= 200 && r.code < 300 ? 0 : 1;
  }

  async close(): Promise<void> {
    const db = this.dbCache;
    this.dbCache = undefined;
    if (db) await db.close();
  }
}

/** Wraps database failures into messages saying where the db_url came from. */
export function dbFailure(ctx: SerctlContext, what: string, err: unknown): SerctlError {
  if (err instanceof SerctlError) return err;
  const { from } = dbUrl(ctx.e, ctx.cfg);
  const msg = err instanceof Error ? err.message : String(err);
  const hint = /no such table|does not exist|doesn't exist/i.test(msg) ? ' — create the tables with: serctl db create' : '';
  return new SerctlError(`${what} failed: ${msg} (db_url from ${from})${hint}`);
}
