import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RpcRegistry, type RpcArgs } from '../../script/rpc.js';
import { manualClock } from './clock.js';
import { registerUsrlocCommands } from './rpc.js';
import { Q_UNSET } from './ucontact.js';
import { Usrloc } from './usrloc.js';

// usrloc's management commands through the registry, on a real Usrloc: the status lines and
// outputs of SER 0.8's ul_fifo.c (admin guide Table 6-2, Examples 4-9 and 4-11).

function setup(o: { useDomain?: boolean; caseSensitive?: boolean } = {}) {
  const time = manualClock();
  const ul = new Usrloc({ useDomain: o.useDomain ?? false, descTimeOrder: false, timerInterval: 60 }, time.clock);
  ul.aorOptions = { useDomain: o.useDomain ?? false, caseSensitive: o.caseSensitive ?? false };
  ul.registerTable('location');
  const rpc = new RpcRegistry();
  registerUsrlocCommands(rpc, ul);
  const call = (name: string, args: RpcArgs = {}) => rpc.call(rpc.get(name)!, args);
  return { time, ul, rpc, call };
}

test('ul_* commands are registered with SER names and JSON-RPC methods', () => {
  const { rpc } = setup();
  const names = rpc.list().map((c) => `${c.name}=${c.method}`);
  assert.deepEqual(names, [
    'ul_stats=ul.stats',
    'ul_rm=ul.rm',
    'ul_rm_contact=ul.rm_contact',
    'ul_dump=ul.dump',
    'ul_flush=ul.flush',
    'ul_add=ul.add',
    'ul_show_contact=ul.show_contact',
  ]);
});

test('ul_add then ul_show_contact: Example 4-11 and 4-9 shapes', async () => {
  const { call, time, ul } = setup();
  const add = await call('ul_add', { table: 'location', user: 'jiri', contact: 'sip:195.37.78.160:14519', expires: '1012', q: '0.00' });
  assert.equal(add.code, 200);
  assert.equal(add.reason, 'Added to table');
  assert.equal(add.text, "('jiri','sip:195.37.78.160:14519') to 'location'\n");
  const show = await call('ul_show_contact', { table: 'location', user: 'jiri' });
  assert.equal(show.code, 200);
  assert.equal(show.reason, 'OK');
  assert.equal(show.text, '<sip:195.37.78.160:14519>;q=0.00;expires=1012\n');
  time.advance(12);
  await call('ul_add', { table: 'location', user: 'jiri', contact: 'sip:jiri@192.0.2.9', expires: '0', q: '1' });
  ul.addContact('location', 'jiri', 'sip:noq@192.0.2.10', { expires: 60, q: Q_UNSET });
  const again = await call('ul_show_contact', { table: 'location', user: 'jiri' });
  assert.deepEqual(new Set(again.text.trimEnd().split('\n')), new Set([
    '<sip:195.37.78.160:14519>;q=0.00;expires=1000',
    '<sip:jiri@192.0.2.9>;q=1.00;expires=1073741823',
    '<sip:noq@192.0.2.10>;expires=60',
  ]));
  const v = again.value as { contact: string; permanent: boolean; q: number | null }[];
  assert.equal(v.find((c) => c.contact === 'sip:jiri@192.0.2.9')!.permanent, true);
  assert.equal(v.find((c) => c.contact === 'sip:noq@192.0.2.10')!.q, null);
});

test('ul_show_contact: 404 for an unknown user and for one whose contacts all expired; 400 for an unknown table', async () => {
  const { call, time } = setup();
  const none = await call('ul_show_contact', { table: 'location', user: 'nobody' });
  assert.equal(none.code, 404);
  assert.equal(none.reason, 'Username nobody in table location not found');
  await call('ul_add', { table: 'location', user: 'jiri', contact: 'sip:j@192.0.2.1', expires: '10', q: '1' });
  time.advance(11);
  const expired = await call('ul_show_contact', { table: 'location', user: 'jiri' });
  assert.equal(expired.code, 404);
  assert.equal(expired.reason, 'No registered contacts found');
  const bad = await call('ul_show_contact', { table: 'locatio', user: 'jiri' });
  assert.equal(bad.code, 400);
  assert.match(bad.reason, /^table 'locatio' not found \(tables: 'location'\)$/);
  const missing = await call('ul_show_contact', { table: 'location' });
  assert.equal(missing.code, 400);
  assert.match(missing.reason, /parameter 'user' missing/);
});

test('ul_add: bad expires, q, flags and contact are 400; replicate and flags lines are accepted', async () => {
  const { call, ul } = setup();
  const base = { table: 'location', user: 'u', contact: 'sip:u@192.0.2.1', expires: '60', q: '0.5' };
  assert.deepEqual([(await call('ul_add', { ...base, expires: 'soon' })).code, (await call('ul_add', { ...base, expires: 'soon' })).reason], [400, 'Invalid expires format']);
  assert.equal((await call('ul_add', { ...base, expires: '-5' })).reason, 'Invalid expires format');
  assert.equal((await call('ul_add', { ...base, q: '1.5' })).reason, 'Invalid q format');
  assert.equal((await call('ul_add', { ...base, q: 'high' })).reason, 'Invalid q format');
  assert.equal((await call('ul_add', { ...base, flags: 'x' })).reason, 'Invalid flags format');
  assert.equal((await call('ul_add', { ...base, replicate: 'x' })).reason, 'Invalid replicate format');
  const badUri = await call('ul_add', { ...base, contact: 'not a uri' });
  assert.equal(badUri.code, 400);
  assert.match(badUri.reason, /bad contact URI/);
  assert.equal((await call('ul_add', { ...base, table: 'nosuch' })).code, 400);
  assert.equal(ul.getRecord('location', 'u'), undefined, 'nothing was added');
  const ok = await call('ul_add', { ...base, replicate: '0', flags: '1' });
  assert.equal(ok.code, 200);
  assert.equal(ul.getRecord('location', 'u')!.contacts[0]!.flags, 1);
});

test('the address of record is formed as save()/lookup() form it: case, use_domain', async () => {
  {
    const { call, ul } = setup();
    await call('ul_add', { table: 'location', user: 'Jiri@IPTEL.org', contact: 'sip:j@192.0.2.1', expires: '60', q: '1' });
    assert.ok(ul.getRecord('location', 'jiri'), 'lower-cased, the domain dropped without use_domain');
    assert.equal((await call('ul_show_contact', { table: 'location', user: 'JIRI' })).code, 200);
    assert.equal((await call('ul_show_contact', { table: 'location', user: 'sip:jiri@elsewhere.net' })).code, 200, 'a URI names its user');
  }
  {
    const { call, ul } = setup({ caseSensitive: true });
    await call('ul_add', { table: 'location', user: 'Jiri', contact: 'sip:j@192.0.2.1', expires: '60', q: '1' });
    assert.ok(ul.getRecord('location', 'Jiri'));
    assert.equal((await call('ul_show_contact', { table: 'location', user: 'jiri' })).code, 404);
  }
  {
    const { call, ul } = setup({ useDomain: true });
    const noDomain = await call('ul_add', { table: 'location', user: 'jiri', contact: 'sip:j@192.0.2.1', expires: '60', q: '1' });
    assert.equal(noDomain.code, 400);
    assert.equal(noDomain.reason, 'ul_add: user@domain expected');
    await call('ul_add', { table: 'location', user: 'Jiri@IPTEL.org', contact: 'sip:j@192.0.2.1', expires: '60', q: '1' });
    assert.ok(ul.getRecord('location', 'jiri@iptel.org'));
    assert.equal((await call('ul_show_contact', { table: 'location', user: 'sip:jiri@iptel.org' })).code, 200);
    assert.equal((await call('ul_rm', { table: 'location', user: 'jiri' })).code, 400);
  }
});

test('ul_rm and ul_rm_contact: SER status lines; unknown user or contact 404, unknown table 400', async () => {
  const { call, ul } = setup();
  await call('ul_add', { table: 'location', user: 'jiri', contact: 'sip:a@192.0.2.1', expires: '60', q: '1' });
  await call('ul_add', { table: 'location', user: 'jiri', contact: 'sip:b@192.0.2.2', expires: '60', q: '1' });
  const noUser = await call('ul_rm_contact', { table: 'location', user: 'bob', contact: 'sip:a@192.0.2.1' });
  assert.deepEqual([noUser.code, noUser.reason], [404, 'Username bob in table location not found']);
  const noContact = await call('ul_rm_contact', { table: 'location', user: 'jiri', contact: 'sip:c@192.0.2.3' });
  assert.deepEqual([noContact.code, noContact.reason], [404, 'Contact sip:c@192.0.2.3 in table location not found']);
  const rc = await call('ul_rm_contact', { table: 'location', user: 'jiri', contact: 'sip:a@192.0.2.1' });
  assert.deepEqual([rc.code, rc.reason], [200, 'Contact (jiri, sip:a@192.0.2.1) deleted from table location']);
  assert.equal(ul.getRecord('location', 'jiri')!.contacts.length, 1);
  const rm = await call('ul_rm', { table: 'location', user: 'jiri' });
  assert.deepEqual([rm.code, rm.reason], [200, 'user (location, jiri) deleted']);
  assert.deepEqual(rm.value, { table: 'location', aor: 'jiri', deleted: true });
  assert.equal(ul.getRecord('location', 'jiri'), undefined);
  assert.equal((await call('ul_rm', { table: 'location', user: 'jiri' })).code, 200, 'SER answered 200 for a user without contacts too');
  const badTable = await call('ul_rm', { table: 'aliases', user: 'jiri' });
  assert.deepEqual([badTable.code, badTable.reason], [400, "table 'aliases' not found (tables: 'location')"]);
  assert.equal((await call('ul_rm', { table: 'location', user: '' })).code, 400);
});

test('ul_stats, ul_dump and ul_flush', async () => {
  const { call, ul, time } = setup();
  ul.registerTable('aliases');
  await call('ul_add', { table: 'location', user: 'jiri', contact: 'sip:a@192.0.2.1', expires: '10', q: '0.5' });
  await call('ul_add', { table: 'location', user: 'jiri', contact: 'sip:b@192.0.2.2', expires: '0', q: '1' });
  await call('ul_add', { table: 'location', user: 'bob', contact: 'sip:bob@192.0.2.3', expires: '10', q: '1' });
  time.advance(11);
  ul.expire();
  const st = await call('ul_stats');
  assert.equal(st.text, "Domain Registered Expired\n'location' 1 2\n'aliases' 0 0\n");
  assert.deepEqual(st.value, [
    { table: 'location', registered: 1, contacts: 1, expired: 2 },
    { table: 'aliases', registered: 0, contacts: 0, expired: 0 },
  ]);
  const dump = await call('ul_dump');
  assert.equal(dump.code, 200);
  const lines = dump.text.split('\n');
  assert.deepEqual(lines.slice(0, 6), ['---Domain---', "name : 'location'", 'size : 1', '...Record...', "domain: 'location'", "aor   : 'jiri'"]);
  assert.ok(lines.includes("Contact   : 'sip:b@192.0.2.2'"));
  assert.ok(lines.includes('Expires   : Permanent'));
  assert.ok(lines.includes("Call-ID   : 'The-Answer-To-The-Ultimate-Question-Of-Life-Universe-And-Everything'"));
  assert.ok(lines.includes('CSeq      : 42'));
  assert.deepEqual(lines.slice(-7), ['.../Record...', '---/Domain---', '---Domain---', "name : 'aliases'", 'size : 0', '---/Domain---', '']);
  const dv = dump.value as { table: string; records: { aor: string; contacts: { contact: string; permanent: boolean }[] }[] }[];
  assert.equal(dv[0]!.records[0]!.contacts[0]!.contact, 'sip:b@192.0.2.2');
  assert.equal(dv[1]!.records.length, 0);
  const fl = await call('ul_flush');
  assert.deepEqual([fl.code, fl.reason], [200, 'ul_flush completed']);
});
