import type { Core } from '../../script/core-api.js';
import { defineModule, type ParamSpec, type ParamValue } from '../../script/module-api.js';
import { MemoryBackend } from './backend.js';
import { systemClock } from './clock.js';
import { Usrloc, type UsrlocOptions } from './usrloc.js';

export { MemoryBackend, type UsrlocBackend, type UsrlocChange } from './backend.js';
export { manualClock, systemClock, type Clock, type ManualClock } from './clock.js';
export { FL_NAT, FL_NONE, FL_PERMANENT, PERMANENT_EXPIRES, Q_UNSET, formatQ, UContact, type ContactInfo, type ContactView, type Received } from './ucontact.js';
export { UDomain, type TableStats } from './udomain.js';
export { URecord } from './urecord.js';
export { ADMIN_CALL_ID, ADMIN_CSEQ, Usrloc, type RecordDump, type RemoveContactResult, type TableDump, type UsrlocOptions } from './usrloc.js';

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

/**
 * SER's db_mode: 0 memory only, 1 write-through, 2 write-back (3 database only, in later SERs).
 * Only 0 exists until the database layer does.
 */
export function checkDbMode(v: ParamValue): string | undefined {
  if (v === 0) return undefined;
  if (v === 1 || v === 2 || v === 3) {
    return `db_mode ${v} needs a database, and this build keeps contacts in memory only for now: use db_mode 0 (contacts are lost on restart); the database modes come with the database layer`;
  }
  return `must be 0 (memory only; 1, 2 and 3 need the database layer, not available yet), not ${v}`;
}

/** A column name of SER 0.8's `location` table: accepted for compatibility, used by db_mode 1-2 later. */
function column(def: string, what: string): ParamSpec {
  return {
    type: 'string',
    default: def,
    check: (v) => (String(v).length ? undefined : 'must not be empty'),
    doc: `name of the column holding ${what} (database modes only; accepted and unused with db_mode 0)`,
  };
}

export function usrlocOptions(p: Readonly<Record<string, ParamValue>>): UsrlocOptions {
  return {
    useDomain: p.use_domain === 1,
    descTimeOrder: p.desc_time_order === 1,
    timerInterval: Number(p.timer_interval),
  };
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
  doc: 'user location tables in memory: addresses of record and their contacts (SER usrloc module)',
  params: {
    db_mode: {
      type: 'int',
      default: 0,
      check: checkDbMode,
      doc: '0: contacts are kept in memory only and lost on restart (the only mode of this build)',
    },
    timer_interval: {
      type: 'int',
      default: 60,
      check: (v) => (Number(v) >= 1 && Number(v) <= 86400 ? undefined : `must be between 1 and 86400 seconds, not ${v}`),
      doc: 'seconds between two runs of the timer that removes expired contacts',
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
    db_url: {
      type: 'string',
      default: 'sql://ser:heslo@localhost/ser',
      doc: 'the database (database modes only; accepted and unused with db_mode 0)',
    },
    user_column: column('username', 'the user part of the address of record'),
    domain_column: column('domain', 'the domain of the address of record (with use_domain)'),
    contact_column: column('contact', 'the contact URI'),
    expires_column: column('expires', 'the expiry time'),
    q_column: column('q', 'the q value'),
    callid_column: column('callid', 'the Call-ID of the REGISTER'),
    cseq_column: column('cseq', 'the CSeq number of the REGISTER'),
    method_column: column('method', 'the supported methods'),
  },
  functions: {},
  create: (core, p) => {
    const ul = new Usrloc(usrlocOptions(p), systemClock, new MemoryBackend(), core.log);
    states.set(core, ul);
    ul.start();
    return ul;
  },
  destroy: async (ul) => {
    await ul.stop();
  },
});
