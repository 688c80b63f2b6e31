import type { Core } from '../../script/core-api.js';
import type { RequestContext } from '../../script/context.js';
import { defineModule, FAILURE_ROUTE, REQUEST_ROUTE, type ParamValue } from '../../script/module-api.js';
import { argString } from '../../script/values.js';
import { checkColumns, columnParam, dbUrlParam, openModuleDb, tableParam, zeroOrOne } from '../db-params.js';
import { GroupTable } from './membership.js';
import { groupUser, NoUser, sourceHint, sourceOf, SOURCE_NAMES, type GroupSource } from './source.js';
import { errorText } from '../../util/error-text.js';

export { GroupTable, type GroupColumns, type GroupTableOptions } from './membership.js';
export { groupUser, NoUser, sourceOf, SOURCE_NAMES, type GroupSource, type GroupUser } from './source.js';

export interface GroupState {
  readonly core: Core;
  readonly table: GroupTable;
}

interface IsUserInArgs {
  readonly source: GroupSource;
  readonly group: string;
}

/** Opens the database of db_url and checks table and columns against the schema. */
async function createGroup(core: Core, p: Readonly<Record<string, ParamValue>>): Promise<GroupState> {
  const table = String(p.table);
  const columns = { user: String(p.user_column), domain: String(p.domain_column), group: String(p.group_column) };
  checkColumns('group', table, { user_column: columns.user, domain_column: columns.domain, group_column: columns.group });
  const db = await openModuleDb(core, 'group', p);
  return { core, table: new GroupTable(db, { table, columns, useDomain: p.use_domain === 1 }) };
}

/**
 * SER 0.8's is_user_in(source, group): the user of the source (see source.ts) is in the group
 * when the grp table has a row for it. False (-1) when the source gives no user (malformed
 * header, no credentials, a URI without user part), when there is no such row, and when the
 * database fails (logged): the promise never rejects.
 */
async function isUserIn(st: GroupState, ctx: RequestContext, a: IsUserInArgs): Promise<number> {
  const log = st.core.log;
  let who;
  try {
    who = groupUser(ctx, a.source);
  } catch (e) {
    if (e instanceof NoUser) log.err(`is_user_in(${SOURCE_NAMES[a.source]}): ${e.message}`);
    else log.err(`is_user_in(${SOURCE_NAMES[a.source]}): cannot read the URI: ${errorText(e)}`);
    return -1;
  }
  if (who.user === '') {
    log.dbg(`is_user_in(${SOURCE_NAMES[a.source]}): no user part`);
    return -1;
  }
  try {
    const member = await st.table.isMember(who.user, who.domain, a.group);
    log.dbg(`is_user_in: '${who.user}' is ${member ? '' : 'not '}in group '${a.group}'`);
    return member ? 1 : -1;
  } catch (e) {
    log.err(`is_user_in: error while querying the database: ${errorText(e)}`);
    return -1;
  }
}

/** Group membership checks against the grp table (SER's group module). */
export default defineModule<GroupState>({
  name: 'group',
  doc: 'group membership of the user of the Request-URI, To, From or the digest credentials, from the grp table (SER group module)',
  params: {
    db_url: dbUrlParam('the database holding the grp table (default sqlite://ser.db: ser.db in the working directory)'),
    table: tableParam('grp', 'the table of group memberships'),
    user_column: columnParam('username', 'the column holding the user part'),
    domain_column: columnParam('domain', 'the column holding the domain (used with use_domain)'),
    group_column: columnParam('grp', 'the column holding the group name'),
    use_domain: {
      type: 'int',
      default: 0,
      check: zeroOrOne,
      doc: '1: the domain must match too (users of several domains); 0: the user part alone',
    },
  },
  functions: {
    is_user_in: {
      arities: [2],
      routes: REQUEST_ROUTE | FAILURE_ROUTE,
      fixup: (args, fx): IsUserInArgs => {
        const name = argString(args, 0);
        const source = sourceOf(name);
        if (!source) throw fx.error(0, `is_user_in: unknown source '${name}'`, sourceHint(name));
        const group = argString(args, 1);
        if (group === '') throw fx.error(1, 'is_user_in: the group name is empty', 'name a group of the grp table, e.g. "ld"');
        return { source, group };
      },
      run: (st, ctx, a) => isUserIn(st, ctx, a as IsUserInArgs),
      doc: 'is_user_in("Credentials", "ld"): true when the user of the source ("Request-URI", "To", "From" or "Credentials") is in the group',
    },
  },
  create: createGroup,
  destroy: async (st) => {
    await st.table.db.close();
  },
});
