// serctl add, passwd, rm, mail: the subscriber table (admin guide §3.2.1). Users are
// (username, SIP_DOMAIN); the credentials are ha1 and ha1b (serctl-ha1.ts), the password is
// kept in clear as SER 0.8 kept it (auth_db's calculate_ha1 mode reads it).

import { spawnSync } from 'node:child_process';
import type { Db, DbCond } from '../db/api.js';
import { dbFailure, type SerctlContext } from './serctl-context.js';
import { SerctlError, sipDomain } from './serctl-env.js';
import { fifoServed } from './serctl-fifo.js';
import { credentials } from './serctl-ha1.js';

const USER_RE = /^[^\s@:;'"\\]+$/;

/** A user name serctl accepts: no blanks, '@', ':', ';', quotes or backslashes. */
export function checkUsername(u: string): string {
  if (!USER_RE.test(u)) throw new SerctlError(`bad username '${u}': no blanks, '@', ':', ';', quotes or backslashes (the domain comes from SIP_DOMAIN)`, true);
  return u;
}

/** The WHERE of one subscriber (and of its grp rows). */
function userKey(user: string, domain: string): DbCond[] {
  return [{ col: 'username', value: user }, { col: 'domain', value: domain }];
}

/** Is (user, domain) in the subscriber table? */
export async function isUser(db: Db, user: string, domain: string): Promise<boolean> {
  const rows = await db.query('subscriber', { columns: ['username'], where: userKey(user, domain), limit: 1 });
  return rows.length > 0;
}

export function nonExistent(user: string, domain: string): SerctlError {
  return new SerctlError(`non-existent user: ${user}@${domain} is not in the subscriber table (check SIP_DOMAIN, or add the user with: serctl add ${user} <password> <email>)`);
}

/**
 * An e-mail address serctl stores and hands to mail(1): no blanks or control characters, and
 * not starting with '-', which mail(1) would take for an option (GNU mail's -E runs a command).
 */
function badEmail(email: string): string | undefined {
  // eslint-disable-next-line no-control-regex
  if (email === '' || email.startsWith('-') || /[\s\x00-\x1f\x7f]/.test(email)) return `bad e-mail address '${email}': no blanks or control characters, not starting with '-'`;
  return undefined;
}

export async function cmdAdd(ctx: SerctlContext, user: string, password: string, email: string): Promise<number> {
  checkUsername(user);
  const bad = badEmail(email);
  if (bad) throw new SerctlError(bad, true);
  const domain = sipDomain(ctx.e);
  if (password === '') throw new SerctlError('an empty password is not accepted', true);
  const { ha1, ha1b } = credentials(user, domain, password);
  const db = await ctx.db(true);
  try {
    if (await isUser(db, user, domain)) throw new SerctlError(`user already exists: ${user}@${domain} (change the password with: serctl passwd ${user} <password>)`);
    const now = new Date();
    await db.insert('subscriber', {
      username: user, domain, password, ha1, ha1b, email_address: email,
      datetime_created: now, datetime_modified: now,
    });
  } catch (err) {
    throw dbFailure(ctx, 'introducing a new user to the database', err);
  }
  ctx.out('new user added\n');
  return 0;
}

export async function cmdPasswd(ctx: SerctlContext, user: string, password: string): Promise<number> {
  checkUsername(user);
  const domain = sipDomain(ctx.e);
  if (password === '') throw new SerctlError('an empty password is not accepted', true);
  const { ha1, ha1b } = credentials(user, domain, password);
  const db = await ctx.db(true);
  try {
    if (!(await isUser(db, user, domain))) throw nonExistent(user, domain);
    await db.update('subscriber', userKey(user, domain), { ha1, ha1b, password, datetime_modified: new Date() });
  } catch (err) {
    throw dbFailure(ctx, 'password change', err);
  }
  ctx.out('password change succeeded\n');
  return 0;
}

/** rm: the subscriber, its group memberships and (when ser runs) its contacts in memory. */
export async function cmdRm(ctx: SerctlContext, user: string): Promise<number> {
  checkUsername(user);
  const domain = sipDomain(ctx.e);
  const db = await ctx.db(true);
  try {
    if (!(await isUser(db, user, domain))) throw nonExistent(user, domain);
    await db.delete('subscriber', userKey(user, domain));
    await db.delete('grp', userKey(user, domain));
  } catch (err) {
    throw dbFailure(ctx, 'removing the user', err);
  }
  // SER's serctl also ran "ul rm" quietly; only when a server is there to ask
  if (fifoServed(ctx.fifo)) {
    try {
      await ctx.fifoCmd('ul_rm', ['location', user]);
    } catch {
      // the account is gone; contacts expire on their own
    }
  }
  ctx.out('user removed\n');
  return 0;
}

/** mail: asks the subscriber's e-mail address and runs mail(1) with the text from stdin. */
export async function cmdMail(ctx: SerctlContext, user: string): Promise<number> {
  checkUsername(user);
  const domain = sipDomain(ctx.e);
  const db = await ctx.db(false);
  let email: string;
  try {
    const rows = await db.query('subscriber', { columns: ['email_address'], where: userKey(user, domain) });
    if (rows.length === 0) throw nonExistent(user, domain);
    email = String(rows[0]!['email_address'] ?? '');
  } catch (err) {
    throw dbFailure(ctx, 'looking up the e-mail address', err);
  }
  if (email === '') throw new SerctlError(`${user}@${domain} has no e-mail address in the subscriber table`);
  // the table may have been written by others (serweb lets users change their address)
  const bad = badEmail(email);
  if (bad) throw new SerctlError(`${user}@${domain}: ${bad}; not sent`);
  const mailer = ctx.e.env['SER_MAIL'] || 'mail';
  ctx.out(`Write email to ${user}: ${email} now ... (end with Ctrl-D)\n`);
  // '--': whatever the address, mail(1) (getopt/argp) takes it as an address
  const r = spawnSync(mailer, ['-s', `Message from ${domain} SIP admin`, '--', email], { stdio: 'inherit' });
  if (r.error) {
    throw new SerctlError(`cannot run '${mailer}' (${(r.error as NodeJS.ErrnoException).code ?? r.error.message}): install a mail(1) command (mailutils, bsd-mailx) or name one with SER_MAIL; the address is ${email}`);
  }
  if (r.status !== 0) {
    ctx.out('sending message failed\n');
    return 1;
  }
  ctx.out('message sent\n');
  return 0;
}
