import type { Core } from '../../script/core-api.js';
import type { RequestContext } from '../../script/context.js';
import { defineModule, FAILURE_ROUTE, REQUEST_ROUTE, type ActionResult, type ParamValue } from '../../script/module-api.js';
import { parseUri } from '../../sip/parser/uri.js';
import { checkColumns, columnParam, dbUrlParam, openModuleDb, tableParam, zeroOrOne } from '../db-params.js';
import { DomainList, hostKey } from './domain-list.js';
import { RpcError, type RpcRegistry } from '../../script/rpc.js';
import { errorText } from '../../util/error-text.js';

export { DomainList, hostKey, type DomainListOptions } from './domain-list.js';

/** The domain module's state: the list, and reload() for the management interface (SER's `domain_reload`). */
export interface DomainState {
  readonly core: Core;
  readonly list: DomainList;
  /** db_mode 1: read the table again; resolves to the number of domains (rejects in db_mode 0, or when the read fails: the old list stays) */
  reload(): Promise<number>;
}

async function createDomain(core: Core, p: Readonly<Record<string, ParamValue>>): Promise<DomainState> {
  const table = String(p.domain_table);
  const column = String(p.domain_col);
  checkColumns('domain', table, { domain_col: column });
  const dbMode = Number(p.db_mode) === 1 ? 1 : 0;
  const db = await openModuleDb(core, 'domain', p);
  const list = new DomainList(db, { dbMode, table, column });
  if (dbMode === 1) {
    let n: number;
    try {
      n = await list.reload();
    } catch (e) {
      await db.close().catch(() => undefined);
      throw new Error(`domain: cannot load table '${table}' from ${db.url}: ${(e as Error).message}`, { cause: e });
    }
    core.log.notice(`domain: ${n} domain${n === 1 ? '' : 's'} loaded from table '${table}' (db_mode 1)`);
    // `uri==myself` (and loose_route, tm's "is it for us") count these domains as ours, on any
    // port. Only the cache can answer synchronously: in db_mode 0 the table does not count.
    core.myself?.addHostCheck((host) => list.isCached(host));
  }
  const st: DomainState = { core, list, reload: () => list.reload() };
  // fake cores of unit tests have no registry
  if (core.rpc) registerDomainCommands(core.rpc, st);
  return st;
}

/** The domains, sorted: the cache in db_mode 1, the table in db_mode 0. */
async function domains(st: DomainState): Promise<string[]> {
  const cached = st.list.cached;
  if (st.list.o.dbMode === 1 && cached) return [...cached].sort();
  const { table, column } = st.list.o;
  const rows = await st.list.db.query(table, { columns: [column] });
  const set = new Set<string>();
  for (const r of rows) if (typeof r[column] === 'string' && r[column] !== '') set.add(hostKey(r[column] as string));
  return [...set].sort();
}

/** SER 0.8.11 domain's FIFO commands: domain_reload, domain_dump. */
export function registerDomainCommands(rpc: RpcRegistry, st: DomainState): void {
  rpc.register({
    name: 'domain_reload',
    method: 'domain.reload',
    params: [],
    doc: 'db_mode 1: read the domain table again (the old list stays when the read fails)',
    run: async () => {
      if (st.list.o.dbMode !== 1) throw new RpcError(400, 'Domain table reload failed: db_mode 0 keeps no copy of the table (every check reads it)');
      let n: number;
      try {
        n = await st.reload();
      } catch (e) {
        throw new RpcError(500, `Domain table reload failed: ${(e as Error).message}`);
      }
      st.core.log.notice(`domain: ${n} domain${n === 1 ? '' : 's'} reloaded from table '${st.list.o.table}'`);
      return { reason: 'OK', value: { domains: n } };
    },
  });
  rpc.register({
    name: 'domain_dump',
    method: 'domain.dump',
    params: [],
    doc: 'the domains, one a line (db_mode 1: the copy in memory; db_mode 0: the table)',
    run: async () => {
      let list: string[];
      try {
        list = await domains(st);
      } catch (e) {
        throw new RpcError(500, `cannot read the domain table: ${(e as Error).message}`);
      }
      return { reason: 'OK', text: list.map((d) => d + '\n').join(''), value: list };
    },
  });
}

/** The answer of a check, or false with the database's error logged: never rejects. */
function local(st: DomainState, fn: string, host: string): ActionResult {
  const r = st.list.isLocal(host);
  if (typeof r === 'boolean') return r ? 1 : -1;
  return r.then(
    (yes) => (yes ? 1 : -1),
    (e: unknown) => {
      st.core.log.err(`${fn}: error while querying the database: ${errorText(e)}`);
      return -1;
    },
  );
}

/** SER's is_from_local(): the host of the From URI is one of ours. */
function isFromLocal(st: DomainState, ctx: RequestContext): ActionResult {
  let host: string;
  try {
    host = parseUri(ctx.msg.from.uri).host;
  } catch (e) {
    st.core.log.err(`is_from_local: cannot parse the From URI: ${errorText(e)}`);
    return -1;
  }
  return local(st, 'is_from_local', host);
}

/** SER's is_uri_host_local(): the host of the current Request-URI (after any rewriting) is one of ours. */
function isUriHostLocal(st: DomainState, ctx: RequestContext): ActionResult {
  let host: string;
  try {
    host = ctx.currentUriParsed().host;
  } catch (e) {
    st.core.log.err(`is_uri_host_local: cannot parse the Request-URI: ${errorText(e)}`);
    return -1;
  }
  return local(st, 'is_uri_host_local', host);
}

/**
 * The domains this server is responsible for, from the domain table (SER 0.8.11's domain
 * module): is_from_local(), is_uri_host_local(); with db_mode 1 the table also counts as
 * `myself`. Creates no table: SQLite and dbtext get the schema when opened, servers from
 * `ser-dbinit create`.
 */
export default defineModule<DomainState>({
  name: 'domain',
  doc: 'the domains this server is responsible for, from the domain table (SER domain module)',
  params: {
    db_url: dbUrlParam('the database holding the domain table (default sqlite://ser.db: ser.db in the working directory)'),
    db_mode: {
      type: 'int',
      default: 0,
      check: zeroOrOne,
      doc: '0: the database is asked for every check; 1: the table is read at start (and by reload) and checks are answered from memory; its domains also count as myself',
    },
    domain_table: tableParam('domain', 'the table of domains'),
    domain_col: columnParam('domain', 'the column holding the domain names'),
  },
  functions: {
    is_from_local: {
      arities: [0],
      routes: REQUEST_ROUTE | FAILURE_ROUTE,
      run: isFromLocal,
      doc: 'is_from_local(): true when the host of the From URI is in the domain table',
    },
    is_uri_host_local: {
      arities: [0],
      routes: REQUEST_ROUTE | FAILURE_ROUTE,
      run: isUriHostLocal,
      doc: 'is_uri_host_local(): true when the host of the Request-URI is in the domain table',
    },
  },
  create: createDomain,
  destroy: async (st) => {
    await st.list.db.close();
  },
});
