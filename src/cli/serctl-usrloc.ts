// serctl ul show/rm/add, alias show/rm/add and showdb (admin guide §3.2.1, §3.2.2).
//
// ul works on the server's memory, through the FIFO (ul_show_contact, ul_dump, ul_add, ul_rm):
// "the only correct way to update contacts -- direct changes to back-end database do not affect
// server's memory". alias does the same on the "aliases" table when ser is running; when nobody
// reads the FIFO, it edits the aliases table in the database instead (ser loads it at start when
// usrloc's db_mode is not 0) and says so. showdb reads the location table in the database.

import type { Row } from '../db/api.js';
import { parseDateTime, table } from '../db/schema.js';
import { dbFailure, type SerctlContext } from './serctl-context.js';
import { SerctlError, sipDomain } from './serctl-env.js';
import { fifoServed } from './serctl-fifo.js';
import { checkUsername, isUser, nonExistent } from './serctl-subscribers.js';
import { formatTable } from './serctl-table.js';

/** SER's serctl gave ul_add this lifetime for a "permanent" contact (usrloc's PERMANENT_EXPIRES). */
export const FOREVER_REL = 1073741823;
/** usrloc's FL_PERMANENT contact flag */
const FL_PERMANENT = 0x80;

/** SER's check_uri: `sip:` (or sips:), an optional user part, a host with a dot (or an IPv6 literal). */
export function checkUri(uri: string): boolean {
  return /^sips?:([^@\s]+@)?(\[[0-9A-Fa-f:.]+\]|[^\s@]*\.[^\s@]*)$/.test(uri);
}

function requireUri(uri: string): void {
  if (!checkUri(uri)) throw new SerctlError(`${uri} is not a valid URI: expected sip:[user@]host, e.g. sip:666@gateway.foo.bar`, true);
}

/** One contact as ul_show_contact prints it: `<uri>;q=1.00;expires=N`. */
export function contactLine(contact: string, q: number | null, expiresIn: number): string {
  return `<${contact}>;q=${(q === null || q < 0 ? 0 : q).toFixed(2)};expires=${expiresIn}`;
}

// --- through the FIFO -----------------------------------------------------------------------------

export async function cmdUlShow(ctx: SerctlContext, tableName: 'location' | 'aliases', user?: string): Promise<number> {
  if (user === undefined) return ctx.fifoPrint('ul_dump');
  checkUsername(user);
  return ctx.fifoPrint('ul_show_contact', [tableName, user]);
}

export async function cmdUlAdd(ctx: SerctlContext, tableName: 'location' | 'aliases', user: string, uri: string): Promise<number> {
  checkUsername(user);
  requireUri(uri);
  ctx.out(`${uri}\n`); // SER's check_uri echoed the URI it accepted
  return ctx.fifoPrint('ul_add', [tableName, user, uri, String(FOREVER_REL), '1.00']);
}

export async function cmdUlRm(ctx: SerctlContext, tableName: 'location' | 'aliases', user: string): Promise<number> {
  checkUsername(user);
  return ctx.fifoPrint('ul_rm', [tableName, user]);
}

// --- aliases: the FIFO when ser runs, else the database ------------------------------------------

function offlineNote(ctx: SerctlContext): void {
  ctx.io.err(`serctl: nobody reads ${ctx.fifo} (ser is not running, or runs without fifo=): used the aliases table in the database; ser loads it at start when usrloc's db_mode is not 0\n`);
}

export async function cmdAlias(ctx: SerctlContext, sub: string, args: readonly string[]): Promise<number> {
  const online = fifoServed(ctx.fifo);
  switch (sub) {
    case 'show':
      if (args.length > 1) throw new SerctlError('alias show takes at most one alias: serctl alias show [<alias>]', true);
      if (online) return cmdUlShow(ctx, 'aliases', args[0]);
      offlineNote(ctx);
      return aliasShowDb(ctx, args[0]);
    case 'add':
      if (args.length !== 2) throw new SerctlError('alias add takes an alias and a URI: serctl alias add <alias> <uri>', true);
      if (online) return cmdUlAdd(ctx, 'aliases', args[0]!, args[1]!);
      checkUsername(args[0]!);
      requireUri(args[1]!);
      offlineNote(ctx);
      return aliasAddDb(ctx, args[0]!, args[1]!);
    case 'rm':
      if (args.length !== 1) throw new SerctlError('alias rm takes the alias: serctl alias rm <alias>', true);
      if (online) return cmdUlRm(ctx, 'aliases', args[0]!);
      checkUsername(args[0]!);
      offlineNote(ctx);
      return aliasRmDb(ctx, args[0]!);
    default:
      throw new SerctlError(`unknown alias command '${sub ?? ''}': use alias show [<alias>], alias add <alias> <uri> or alias rm <alias>`, true);
  }
}

const ALIAS_DOMAIN = ''; // usrloc's rows without use_domain

function expiresIn(row: Row, now: number): number {
  const flags = Number(row['flags'] ?? 0);
  const e = row['expires'];
  if ((flags & FL_PERMANENT) !== 0 || e === null || e === undefined) return FOREVER_REL;
  const d = e instanceof Date ? e : parseDateTime(String(e));
  return d ? Math.max(0, Math.round((d.getTime() - now) / 1000)) : 0;
}

async function aliasShowDb(ctx: SerctlContext, alias?: string): Promise<number> {
  const db = await ctx.db(false);
  let rows: Row[];
  try {
    rows = await db.query('aliases', alias === undefined ? { orderBy: 'username' } : { where: [{ col: 'username', value: checkUsername(alias) }] });
  } catch (err) {
    throw dbFailure(ctx, 'reading the aliases table', err);
  }
  const now = Date.now();
  if (alias !== undefined) {
    if (rows.length === 0) {
      ctx.out(`404 Username ${alias} in table aliases not found\n`);
      return 1;
    }
    for (const r of rows) ctx.out(contactLine(String(r['contact']), r['q'] === null ? null : Number(r['q']), expiresIn(r, now)) + '\n');
    return 0;
  }
  for (const r of rows) ctx.out(`${String(r['username'])} ${contactLine(String(r['contact']), r['q'] === null ? null : Number(r['q']), expiresIn(r, now))}\n`);
  return 0;
}

async function aliasAddDb(ctx: SerctlContext, alias: string, uri: string): Promise<number> {
  const db = await ctx.db(true);
  try {
    await db.replace('aliases', {
      username: alias, domain: ALIAS_DOMAIN, contact: uri, expires: null, q: 1, callid: 'serctl', cseq: 1,
      last_modified: new Date(), replicate: 0, state: 0, flags: FL_PERMANENT, user_agent: 'serctl',
    }, ['username', 'domain', 'contact']);
  } catch (err) {
    throw dbFailure(ctx, 'adding the alias', err);
  }
  ctx.out(`${uri}\n200 Added to table\n('${alias}','${uri}') to 'aliases'\n`);
  return 0;
}

async function aliasRmDb(ctx: SerctlContext, alias: string): Promise<number> {
  const db = await ctx.db(true);
  let n: number;
  try {
    n = await db.delete('aliases', [{ col: 'username', value: alias }]);
  } catch (err) {
    throw dbFailure(ctx, 'removing the alias', err);
  }
  if (n === 0) {
    ctx.out(`404 user (aliases, ${alias}) not found\n`);
    return 1;
  }
  ctx.out(`200 user (aliases, ${alias}) deleted\n`);
  return 0;
}

// --- showdb ------------------------------------------------------------------------------------------

export async function cmdShowdb(ctx: SerctlContext, user?: string): Promise<number> {
  const db = await ctx.db(false);
  try {
    if (user !== undefined) {
      checkUsername(user);
      const domain = sipDomain(ctx.e);
      if (!(await isUser(db, user, domain))) throw nonExistent(user, domain);
      const sub = await db.query('subscriber', { columns: ['email_address'], where: [{ col: 'username', value: user }, { col: 'domain', value: domain }] });
      ctx.out(formatTable(['email_address'], sub));
      const loc = await db.query('location', { where: [{ col: 'username', value: user }], orderBy: 'expires', desc: true });
      ctx.out(formatTable(table('location')!.columns.map((c) => c.name), loc));
    } else {
      const loc = await db.query('location', { columns: ['username', 'domain', 'callid'], orderBy: 'username' });
      const subs = await db.query('subscriber', { columns: ['username', 'domain', 'email_address'] });
      const email = new Map<string, string>();
      for (const s of subs) {
        email.set(`${String(s['username'])}@${String(s['domain'])}`, String(s['email_address']));
        if (!email.has(String(s['username']))) email.set(String(s['username']), String(s['email_address']));
      }
      const rows: Row[] = [];
      for (const l of loc) {
        const key = String(l['domain']) ? `${String(l['username'])}@${String(l['domain'])}` : String(l['username']);
        const e = email.get(key);
        if (e !== undefined) rows.push({ username: l['username'] ?? '', email_address: e, callid: l['callid'] ?? null });
      }
      ctx.out(formatTable(['username', 'email_address', 'callid'], rows));
    }
  } catch (err) {
    throw dbFailure(ctx, 'reading the location table', err);
  }
  ctx.out("Note: Due to usage of cache, server's list may differ from DB list.\n");
  return 0;
}
