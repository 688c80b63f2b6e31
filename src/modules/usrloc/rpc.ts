// usrloc's management commands (admin guide Table 6-2, Examples 4-9 and 4-11): ul_stats,
// ul_rm, ul_rm_contact, ul_dump, ul_flush, ul_add, ul_show_contact, with the status lines and
// output of SER 0.8's ul_fifo.c. The user parameter is an address of record formed as save()
// and lookup() form it: "jiri" (lower-cased unless registrar's case_sensitive), or with
// use_domain "jiri@iptel.org" (required then; without use_domain the domain is dropped, as
// SER did). A sip: URI is accepted too.

import { RpcError, lineArg, type RpcArgs, type RpcRegistry } from '../../script/rpc.js';
import { parseUri, unescapeUri } from '../../sip/parser/uri.js';
import { aorOf, MAX_AOR_LEN } from '../registrar/aor.js';
import { formatReceived } from './db-rows.js';
import { formatQ, type ContactView } from './ucontact.js';
import type { UDomain } from './udomain.js';
import type { Usrloc } from './usrloc.js';

function asciiLower(s: string): string {
  return s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

/** The address of record an administrator names, as save()/lookup() would have stored it. */
export function adminAor(ul: Usrloc, cmd: string, user: string): string {
  const o = ul.aorOptions;
  const s = user.trim();
  if (s === '') throw new RpcError(400, `${cmd}: user name expected`);
  let aor: string;
  if (/^sips?:/i.test(s)) {
    let uri;
    try {
      uri = parseUri(s);
    } catch (e) {
      throw new RpcError(400, `${cmd}: bad URI '${s}': ${(e as Error).message}`);
    }
    if (o.useDomain && uri.host === '') throw new RpcError(400, `${cmd}: user@domain expected`);
    const a = aorOf(uri, o);
    if ('error' in a) throw new RpcError(400, a.error === 'no-user' ? `${cmd}: the URI '${s}' has no user part` : `${cmd}: address of record too long`);
    aor = a.aor;
  } else {
    const at = s.indexOf('@');
    let name = unescapeUri(at < 0 ? s : s.slice(0, at));
    const host = at < 0 ? '' : asciiLower(s.slice(at + 1));
    if (name === '') throw new RpcError(400, `${cmd}: user name expected`);
    if (!o.caseSensitive) name = asciiLower(name);
    if (o.useDomain) {
      if (host === '') throw new RpcError(400, `${cmd}: user@domain expected`);
      aor = `${name}@${host}`;
    } else {
      aor = name;
    }
  }
  if (aor.length > MAX_AOR_LEN) throw new RpcError(400, `${cmd}: address of record too long`);
  return aor;
}

function tableOf(ul: Usrloc, args: RpcArgs): { name: string; d: UDomain } {
  const name = lineArg(args, 'table').trim();
  const d = ul.table(name);
  if (!d) {
    const known = ul.tables().map((t) => `'${t.name}'`);
    throw new RpcError(400, `table '${name}' not found${known.length ? ` (tables: ${known.join(', ')})` : ' (no table: save() or lookup() in the script registers one)'}`);
  }
  return { name, d };
}

/** SER's `%-3.2f` q of ul_show_contact; a contact without q shows none. */
function showLine(c: ContactView): string {
  const q = formatQ(c.q);
  return `<${c.uri}>${q === undefined ? '' : `;q=${q}`};expires=${c.remaining}`;
}

function contactJson(c: ContactView) {
  return {
    contact: c.uri,
    expires: c.permanent ? null : c.remaining,
    permanent: c.permanent,
    q: c.q < 0 ? null : c.q,
    callid: c.callId,
    cseq: c.cseq,
    flags: c.flags,
    user_agent: c.userAgent,
    received: formatReceived(c.received),
    state: c.state,
  };
}

const STATE: Record<string, string> = { new: 'CS_NEW', sync: 'CS_SYNC', dirty: 'CS_DIRTY' };

/** SER's print_ucontact() lines, without the pointers. */
function dumpContact(table: string, aor: string, c: ContactView): string[] {
  return [
    '~~~Contact~~~',
    `domain    : '${table}'`,
    `aor       : '${aor}'`,
    `Contact   : '${c.uri}'`,
    `Expires   : ${c.permanent ? 'Permanent' : c.remaining > 0 ? String(c.remaining) : 'Expired'}`,
    `q         : ${formatQ(c.q) ?? ''}`,
    `Call-ID   : '${c.callId}'`,
    `CSeq      : ${c.cseq}`,
    `User-Agent: '${c.userAgent}'`,
    `received  : '${formatReceived(c.received) ?? ''}'`,
    `State     : ${STATE[c.state] ?? 'CS_UNKNOWN'}`,
    `Flags     : ${c.flags}`,
    '~~~/Contact~~~',
  ];
}

const int = (s: string): number | undefined => (/^\d{1,10}$/.test(s.trim()) ? Number(s.trim()) : undefined);

export function registerUsrlocCommands(rpc: RpcRegistry, ul: Usrloc): void {
  rpc.register({
    name: 'ul_stats',
    method: 'ul.stats',
    params: [],
    doc: 'per table: addresses of record registered, contacts expired since start (serctl monitor, "UsrLoc Stats")',
    run: async () => {
      const st = await ul.statsAsync();
      const lines = ['Domain Registered Expired', ...st.map((t) => `'${t.table}' ${t.records} ${t.expired}`)];
      return {
        text: lines.join('\n') + '\n',
        value: st.map((t) => ({ table: t.table, registered: t.records, contacts: t.contacts, expired: t.expired })),
      };
    },
  });

  rpc.register({
    name: 'ul_rm',
    method: 'ul.rm',
    params: [
      { name: 'table', doc: 'the usrloc table: location' },
      { name: 'user', doc: 'the address of record: jiri (jiri@iptel.org with use_domain)' },
    ],
    doc: "remove all of a user's contacts (serctl ul rm)",
    run: async (a) => {
      const { name } = tableOf(ul, a);
      const user = lineArg(a, 'user').trim();
      const aor = adminAor(ul, 'ul_rm', user);
      const deleted = await ul.removeRecordAsync(name, aor);
      // SER answered 200 whether or not the user had contacts
      return { reason: `user (${name}, ${user}) deleted`, value: { table: name, aor, deleted } };
    },
  });

  rpc.register({
    name: 'ul_rm_contact',
    method: 'ul.rm_contact',
    params: [
      { name: 'table', doc: 'the usrloc table' },
      { name: 'user', doc: 'the address of record' },
      { name: 'contact', doc: 'the contact URI, as registered' },
    ],
    doc: "remove one of a user's contacts",
    run: async (a) => {
      const { name } = tableOf(ul, a);
      const user = lineArg(a, 'user').trim();
      const aor = adminAor(ul, 'ul_rm_contact', user);
      const contact = lineArg(a, 'contact').trim();
      if (contact === '') throw new RpcError(400, 'ul_rm_contact: contact expected');
      const r = await ul.removeContactAsync(name, aor, contact);
      if (r === 'no-record') throw new RpcError(404, `Username ${user} in table ${name} not found`);
      if (r === 'no-contact') throw new RpcError(404, `Contact ${contact} in table ${name} not found`);
      if (r === 'no-table') throw new RpcError(400, `table '${name}' not found`);
      return { reason: `Contact (${user}, ${contact}) deleted from table ${name}`, value: { table: name, aor, contact, deleted: true } };
    },
  });

  rpc.register({
    name: 'ul_dump',
    method: 'ul.dump',
    params: [],
    doc: 'every table, address of record and contact in the user location (SER print_all_udomains)',
    run: async () => {
      const dump = await ul.dumpAsync();
      const lines: string[] = [];
      for (const t of dump) {
        lines.push('---Domain---', `name : '${t.table}'`, `size : ${t.records.length}`);
        for (const r of t.records) {
          lines.push('...Record...', `domain: '${t.table}'`, `aor   : '${r.aor}'`);
          for (const c of r.contacts) lines.push(...dumpContact(t.table, r.aor, c));
          lines.push('.../Record...');
        }
        lines.push('---/Domain---');
      }
      return {
        text: lines.length ? lines.join('\n') + '\n' : '',
        value: dump.map((t) => ({ table: t.table, records: t.records.map((r) => ({ aor: r.aor, contacts: r.contacts.map(contactJson) })) })),
      };
    },
  });

  rpc.register({
    name: 'ul_flush',
    method: 'ul.flush',
    params: [],
    doc: 'write the changes not yet written to the database (db_mode 2); nothing to do in the other modes',
    run: async () => {
      await ul.flush();
      return { reason: 'ul_flush completed', value: { db_mode: ul.dbMode } };
    },
  });

  rpc.register({
    name: 'ul_add',
    method: 'ul.add',
    params: [
      { name: 'table', doc: 'the usrloc table' },
      { name: 'user', doc: 'the address of record' },
      { name: 'contact', doc: 'the contact URI: sip:jiri@195.37.78.160' },
      { name: 'expires', doc: 'seconds from now; 0: permanent' },
      { name: 'q', doc: 'priority 0..1 (1.00)' },
      { name: 'replicate', optional: true, doc: "accepted for later SER versions' usrloc; ignored" },
      { name: 'flags', optional: true, doc: 'contact flags (1: behind a NAT)' },
    ],
    doc: 'add a contact to a user, or update it (Example 4-11; serctl ul add)',
    run: async (a) => {
      const { name } = tableOf(ul, a);
      const user = lineArg(a, 'user').trim();
      const aor = adminAor(ul, 'ul_add', user);
      const contact = lineArg(a, 'contact').trim();
      if (contact === '') throw new RpcError(400, 'ul_add: contact expected');
      try {
        parseUri(contact);
      } catch (e) {
        throw new RpcError(400, `ul_add: bad contact URI '${contact}': ${(e as Error).message}`);
      }
      const expires = int(lineArg(a, 'expires'));
      if (expires === undefined) throw new RpcError(400, 'Invalid expires format');
      const qs = lineArg(a, 'q').trim();
      const q = /^\d+(\.\d*)?$|^\.\d+$/.test(qs) ? Number(qs) : NaN;
      if (!(q >= 0 && q <= 1)) throw new RpcError(400, 'Invalid q format');
      const rep = a.replicate;
      if (typeof rep === 'string' && rep.trim() !== '' && int(rep) === undefined) throw new RpcError(400, 'Invalid replicate format');
      let flags = 0;
      if (typeof a.flags === 'string' && a.flags.trim() !== '') {
        const f = int(a.flags);
        if (f === undefined) throw new RpcError(400, 'Invalid flags format');
        flags = f;
      }
      const c = await ul.addContactAsync(name, aor, contact, { expires, q, flags });
      if (!c) throw new RpcError(400, `table '${name}' not found`);
      return { reason: 'Added to table', text: `('${aor}','${contact}') to '${name}'\n`, value: { table: name, aor, ...contactJson(c) } };
    },
  });

  rpc.register({
    name: 'ul_show_contact',
    method: 'ul.show_contact',
    params: [
      { name: 'table', doc: 'the usrloc table' },
      { name: 'user', doc: 'the address of record' },
    ],
    doc: "a user's contacts: <sip:195.37.78.160:14519>;q=0.00;expires=1012 (Example 4-9)",
    run: async (a) => {
      const { name } = tableOf(ul, a);
      const user = lineArg(a, 'user').trim();
      const aor = adminAor(ul, 'ul_show_contact', user);
      const r = await ul.fetchRecord(name, aor);
      if (!r) throw new RpcError(404, `Username ${user} in table ${name} not found`);
      const now = ul.now();
      const live = r.contacts.map((c) => c.view(now)).filter((c) => c.permanent || c.remaining > 0);
      if (live.length === 0) throw new RpcError(404, 'No registered contacts found');
      return { reason: 'OK', text: live.map(showLine).join('\n') + '\n', value: live.map(contactJson) };
    },
  });
}
