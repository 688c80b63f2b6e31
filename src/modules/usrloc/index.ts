import type { Core } from '../../script/core-api.js';
import { defineModule, type ParamSpec, type ParamValue } from '../../script/module-api.js';
import { table as schemaTable } from '../../db/schema.js';
import { DEFAULT_DB_URL, dbUrlParam, openModuleDb } from '../db-params.js';
import { MemoryBackend, type UsrlocBackend } from './backend.js';
import { systemClock } from './clock.js';
import { DbBackend } from './db-backend.js';
import { DEFAULT_COLUMNS, type UsrlocColumns } from './db-rows.js';
import { registerUsrlocCommands } from './rpc.js';
import { Usrloc, type UsrlocOptions } from './usrloc.js';

export { MemoryBackend, type StoredContact, type UsrlocBackend, type UsrlocChange, type UsrlocDbStats } from './backend.js';
export { DbBackend, type DbWrite } from './db-backend.js';
export { DEFAULT_COLUMNS, type UsrlocColumns } from './db-rows.js';
export { manualClock, systemClock, type Clock, type ManualClock } from './clock.js';
export { FL_NAT, FL_NONE, FL_PERMANENT, PERMANENT_EXPIRES, Q_UNSET, formatQ, UContact, type ContactInfo, type ContactView, type Received } from './ucontact.js';
export { UDomain, type TableStats } from './udomain.js';
export { URecord } from './urecord.js';
export { adminAor, registerUsrlocCommands } from './rpc.js';
export { ADMIN_CALL_ID, ADMIN_CSEQ, isUnavailable, Usrloc, UsrlocDbError, type AddOptions, type RecordDump, type RemoveContactResult, type TableDump, type UsrlocOptions } from './usrloc.js';

// The usrloc state of each server, for the modules that use it (registrar now, FIFO commands
// later): SER's modules found it with find_export("ul_bind_usrloc"); here whoever holds the core
// asks usrlocOf(core). Filled by create(), which runs before the create() of any module loaded
// after usrloc.
const states = new WeakMap<Core, Usrloc>();

/** The usrloc state of the server `core` belongs to, or undefined when usrloc is not loaded. */
export function usrlocOf(core: Core): Usrloc | undefined {
  return states.get(core);
}

const zeroOrOne = (v: ParamValue): string | undefined => (v === 0 || v === 1 ? undefined : `must be 0 or 1, not ${v}`);

export { DEFAULT_DB_URL };

/** SER's db_mode: 0 memory only, 1 write-through, 2 write-back, 3 database only. */
export function checkDbMode(v: ParamValue): string | undefined {
  if (v === 0 || v === 1 || v === 2 || v === 3) return undefined;
  return `must be 0 (memory only), 1 (write-through), 2 (write-back) or 3 (database only), not ${v}`;
}

const LOCATION_COLUMNS = (schemaTable('location')?.columns ?? []).map((c) => c.name);

/** A column name of the `location` table (SER 0.8's *_column parameters; also used for `aliases`). */
function column(def: string, what: string): ParamSpec {
  return {
    type: 'string',
    default: def,
    check: (v) =>
      LOCATION_COLUMNS.includes(String(v))
        ? undefined
        : `must name a column of the location table (${LOCATION_COLUMNS.join(', ')}), not '${v}'`,
    doc: `name of the column holding ${what} (db_mode 1-3; the schema's name by default)`,
  };
}

export function usrlocOptions(p: Readonly<Record<string, ParamValue>>): UsrlocOptions {
  return {
    useDomain: p.use_domain === 1,
    descTimeOrder: p.desc_time_order === 1,
    timerInterval: Number(p.timer_interval),
  };
}

/** The column of each field, from the *_column parameters. */
export function usrlocColumns(p: Readonly<Record<string, ParamValue>>): UsrlocColumns {
  const c = (name: string, dflt: string): string => (typeof p[name] === 'string' && p[name] !== '' ? String(p[name]) : dflt);
  const d = DEFAULT_COLUMNS;
  return {
    user: c('user_column', d.user),
    domain: c('domain_column', d.domain),
    contact: c('contact_column', d.contact),
    expires: c('expires_column', d.expires),
    q: c('q_column', d.q),
    callId: c('callid_column', d.callId),
    cseq: c('cseq_column', d.cseq),
    flags: c('flags_column', d.flags),
    userAgent: c('user_agent_column', d.userAgent),
    received: c('received_column', d.received),
    socket: c('socket_column', d.socket),
    lastModified: c('last_modified_column', d.lastModified),
  };
}

/** The backend of a db_mode: memory, or the database of db_url (opened here). */
export async function openBackend(core: Core, p: Readonly<Record<string, ParamValue>>, clock = systemClock): Promise<UsrlocBackend> {
  const mode = Number(p.db_mode ?? 0);
  if (mode === 0) return new MemoryBackend();
  const db = await openModuleDb(core, 'usrloc', p, ` (needed by db_mode ${mode})`);
  core.log.notice(`usrloc: db_mode ${mode} (${['', 'write-through', 'write-back', 'database only'][mode]}) on ${db.url}`);
  return new DbBackend(db, {
    dbMode: mode as 1 | 2 | 3,
    columns: usrlocColumns(p),
    useDomain: p.use_domain === 1,
    clock,
    log: core.log,
  });
}

/**
 * User location tables (SER's usrloc module): per table, addresses of record with their
 * contacts, kept in memory and purged of expired contacts by a timer. No script functions: the
 * registrar module's save() and lookup() use it.
 */
export default defineModule<Usrloc>({
  // contacts live in this process's memory: another process would not see a registration
  singleProcess: true,
  name: 'usrloc',
  doc: 'user location tables: addresses of record and their contacts, in memory and/or a database (SER usrloc module)',
  params: {
    db_mode: {
      type: 'int',
      default: 0,
      check: checkDbMode,
      doc: '0: memory only (lost on restart); 1: write-through (every change written before the reply); 2: write-back (changes written every timer_interval); 3: database only (no cache; servers may share the database)',
    },
    timer_interval: {
      type: 'int',
      default: 60,
      check: (v) => (Number(v) >= 1 && Number(v) <= 86400 ? undefined : `must be between 1 and 86400 seconds, not ${v}`),
      doc: 'seconds between two runs of the timer that removes expired contacts (and, with db_mode 2, writes the changes to the database)',
    },
    use_domain: {
      type: 'int',
      default: 0,
      check: zeroOrOne,
      doc: '1: an address of record is user@domain (several domains served); 0: the user part only',
    },
    desc_time_order: {
      type: 'int',
      default: 0,
      check: zeroOrOne,
      doc: '1: lookup tries the most recently registered contact first, whatever its q; 0: highest q first',
    },
    db_url: dbUrlParam(`the database of db_mode 1-3 (default ${DEFAULT_DB_URL}: ser.db in the working directory); unused with db_mode 0`),
    user_column: column('username', 'the user part of the address of record'),
    domain_column: column('domain', 'the domain of the address of record (with use_domain)'),
    contact_column: column('contact', 'the contact URI'),
    expires_column: column('expires', 'the expiry time'),
    q_column: column('q', 'the q value'),
    callid_column: column('callid', 'the Call-ID of the REGISTER'),
    cseq_column: column('cseq', 'the CSeq number of the REGISTER'),
    method_column: {
      type: 'string',
      default: 'method',
      doc: 'accepted for SER 0.8 compatibility and unused (its location table had no such column)',
    },
    flags_column: column('flags', 'the contact flags (NAT, permanent)'),
    user_agent_column: column('user_agent', 'the User-Agent of the REGISTER'),
    received_column: column('received', 'the source address of the REGISTER'),
    socket_column: column('socket', 'the local socket the REGISTER arrived on'),
    last_modified_column: column('last_modified', 'the time of the last change'),
  },
  functions: {},
  create: (core, p) => {
    const make = (backend: UsrlocBackend): Usrloc => {
      const ul = new Usrloc(usrlocOptions(p), systemClock, backend, core.log);
      states.set(core, ul);
      // ul_stats, ul_add, ul_show_contact... (fake cores of unit tests have no registry)
      if (core.rpc) registerUsrlocCommands(core.rpc, ul);
      ul.start();
      return ul;
    };
    // memory mode stays synchronous; the database modes open the database first
    if (Number(p.db_mode ?? 0) === 0) return make(new MemoryBackend());
    return openBackend(core, p).then(make);
  },
  destroy: async (ul) => {
    await ul.stop();
  },
});
