// serctl acl show/grant/revoke: group membership in the grp table (admin guide §3.2.3), read by
// the group module's is_user_in(). As SER's serctl, grant accepts only the groups of its list
// (SER_ACL_GROUPS, default "local ld int voicemail free-pstn"; SER_VERIFY_ACL=0 turns the check
// off) and shows the user's memberships afterwards.

import type { Row } from '../db/api.js';
import { dbFailure, type SerctlContext } from './serctl-context.js';
import { SerctlError, sipDomain } from './serctl-env.js';
import { checkUsername, isUser, nonExistent } from './serctl-subscribers.js';
import { formatTable } from './serctl-table.js';

export const DEFAULT_ACL_GROUPS = ['local', 'ld', 'int', 'voicemail', 'free-pstn'];
const ACL_COLUMNS = ['username', 'domain', 'grp', 'last_modified'];

export function aclGroups(env: Readonly<Record<string, string | undefined>>): readonly string[] | undefined {
  if (env['SER_VERIFY_ACL'] === '0') return undefined;
  const g = env['SER_ACL_GROUPS'];
  return g && g.trim() ? g.trim().split(/\s+/) : DEFAULT_ACL_GROUPS;
}

export async function cmdAclShow(ctx: SerctlContext, user?: string): Promise<number> {
  const db = await ctx.db(false);
  let rows: Row[];
  try {
    if (user !== undefined) {
      checkUsername(user);
      const domain = sipDomain(ctx.e);
      if (!(await isUser(db, user, domain))) throw nonExistent(user, domain);
      rows = await db.query('grp', { where: [{ col: 'username', value: user }, { col: 'domain', value: domain }], orderBy: 'grp' });
    } else {
      rows = await db.query('grp', { orderBy: 'username' });
    }
  } catch (err) {
    throw dbFailure(ctx, 'reading the grp table', err);
  }
  ctx.out(formatTable(ACL_COLUMNS, rows));
  return 0;
}

export async function cmdAclGrant(ctx: SerctlContext, user: string, groups: readonly string[]): Promise<number> {
  checkUsername(user);
  const domain = sipDomain(ctx.e);
  const allowed = aclGroups(ctx.e.env);
  const db = await ctx.db(true);
  let granted = 0;
  try {
    if (!(await isUser(db, user, domain))) throw nonExistent(user, domain);
    for (const g of groups) {
      if (allowed && !allowed.includes(g)) {
        ctx.io.err(`Invalid privilege: ${g} ignored (the groups are: ${allowed.join(' ')}; set SER_ACL_GROUPS to change them, SER_VERIFY_ACL=0 to accept any)\n`);
        continue;
      }
      await db.replace('grp', { username: user, domain, grp: g, last_modified: new Date() }, ['username', 'domain', 'grp']);
      granted++;
    }
  } catch (err) {
    throw dbFailure(ctx, 'granting the membership', err);
  }
  const shown = await cmdAclShow(ctx, user);
  return granted === groups.length ? shown : 1;
}

export async function cmdAclRevoke(ctx: SerctlContext, user: string, group?: string): Promise<number> {
  checkUsername(user);
  const domain = sipDomain(ctx.e);
  const db = await ctx.db(true);
  try {
    const where = [{ col: 'username', value: user }, { col: 'domain', value: domain }];
    const n = await db.delete('grp', group === undefined ? where : [...where, { col: 'grp', value: group }]);
    if (n === 0) {
      throw new SerctlError(group === undefined ? `${user}@${domain} is a member of no group` : `${user}@${domain} is not a member of '${group}' (see: serctl acl show ${user})`);
    }
  } catch (err) {
    throw dbFailure(ctx, 'revoking the membership', err);
  }
  // SER showed the memberships left; a user without a subscriber row is shown by table
  const rows = await (await ctx.db(false)).query('grp', { where: [{ col: 'username', value: user }, { col: 'domain', value: domain }], orderBy: 'grp' });
  ctx.out(formatTable(ACL_COLUMNS, rows));
  return 0;
}

/** Guard for the usage check: at least one group. */
export function needGroups(groups: readonly string[]): readonly string[] {
  if (groups.length === 0) throw new SerctlError('acl grant needs a group: serctl acl grant <username> <group>', true);
  return groups;
}
