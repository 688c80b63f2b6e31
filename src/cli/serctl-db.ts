// serctl db create | upgrade: the schema in the database serctl uses (SER_DB_URL, the config's
// db_url, or sqlite://ser.db), through src/db/db-init.ts. create makes what is missing (the
// database file or directory, every table; running it again changes nothing) without accounts
// (ser-dbinit makes those). upgrade adds missing tables too, then compares the version table
// with the versions this ser expects: a table of an older version cannot be changed in place and
// is reported, with what to do.

import { createDatabase } from '../db/db-init.js';
import { TABLES, VERSION_TABLE, VERSION_TABLE_NAME_COLUMN, VERSION_TABLE_VERSION_COLUMN } from '../db/schema.js';
import { dbFailure, type SerctlContext } from './serctl-context.js';
import { dbUrl, SerctlError, withPassword } from './serctl-env.js';

export async function cmdDb(ctx: SerctlContext, sub: string | undefined): Promise<number> {
  if (sub !== 'create' && sub !== 'upgrade') {
    throw new SerctlError(`db needs create or upgrade: serctl db create | serctl db upgrade${sub ? ` (not '${sub}')` : ''}`, true);
  }
  const { url, from } = dbUrl(ctx.e, ctx.cfg);
  const pw = ctx.e.env['PW'];
  const log = (line: string): void => ctx.out(`  ${line}\n`);
  ctx.out(`database from ${from}:\n`);
  try {
    await createDatabase(pw ? withPassword(url, pw) : url, { accounts: false, log });
  } catch (err) {
    throw new SerctlError(`${sub} failed: ${(err as Error).message} (for a mysql/postgres server whose user may not create tables, use ser-dbinit create with an administrator's db_url)`);
  }
  if (sub === 'create') {
    ctx.out('schema ready\n');
    return 0;
  }
  const db = await ctx.db(true);
  let stale = 0;
  try {
    const rows = await db.query(VERSION_TABLE);
    const have = new Map(rows.map((r) => [String(r[VERSION_TABLE_NAME_COLUMN]), Number(r[VERSION_TABLE_VERSION_COLUMN])]));
    for (const t of TABLES) {
      if (t.name === VERSION_TABLE) continue;
      const v = have.get(t.name);
      if (v === undefined) {
        await db.insert(VERSION_TABLE, { [VERSION_TABLE_NAME_COLUMN]: t.name, [VERSION_TABLE_VERSION_COLUMN]: t.version });
        log(`table ${t.name}: version row added (${t.version})`);
      } else if (v < t.version) {
        stale++;
        ctx.io.err(`serctl: table ${t.name} is version ${v}, this ser needs ${t.version}: copy its rows out, drop it, run serctl db upgrade and copy them back (see docs/serctl.md)\n`);
      } else if (v > t.version) {
        ctx.io.err(`serctl: table ${t.name} is version ${v}, newer than this ser knows (${t.version}): use the ser it was made for\n`);
        stale++;
      }
    }
  } catch (err) {
    throw dbFailure(ctx, 'checking the table versions', err);
  }
  if (stale) return 1;
  ctx.out('schema up to date\n');
  return 0;
}
