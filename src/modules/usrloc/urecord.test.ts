import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { UsrlocBackend, UsrlocChange } from './backend.js';
import { FL_PERMANENT, PERMANENT_EXPIRES, Q_UNSET, formatQ, type ContactInfo } from './ucontact.js';
import { UDomain } from './udomain.js';

const NOW = 1000;

function recording(): UsrlocBackend & { changes: string[] } {
  const changes: string[] = [];
  return {
    dbMode: 0,
    changes,
    changed: (ch: UsrlocChange) => changes.push(`${ch.op} ${ch.table} ${ch.contact.aor} ${ch.contact.uri}`),
    flush: () => {},
    close: () => {},
  };
}

function info(q: number, expires = NOW + 100, extra: Partial<ContactInfo> = {}): ContactInfo {
  return { expires, q, callId: 'cid', cseq: 1, flags: 0, ...extra };
}

test('contacts are kept by q, highest first; equal q after the earlier ones; unset q last', () => {
  const d = new UDomain('location', { descTimeOrder: false }, recording());
  const r = d.insert('alice');
  r.insert('sip:a', info(0.5), NOW);
  r.insert('sip:b', info(1), NOW);
  r.insert('sip:c', info(0.5), NOW);
  r.insert('sip:d', info(Q_UNSET), NOW);
  r.insert('sip:e', info(0), NOW);
  assert.deepEqual(r.contacts.map((c) => c.uri), ['sip:b', 'sip:a', 'sip:c', 'sip:e', 'sip:d']);
});

test('an update that changes q moves the contact; one that does not keeps its place', () => {
  const d = new UDomain('location', { descTimeOrder: false }, recording());
  const r = d.insert('alice');
  const a = r.insert('sip:a', info(0.5), NOW);
  r.insert('sip:b', info(0.5), NOW);
  r.update(a, info(0.5, NOW + 500), NOW + 1);
  assert.deepEqual(r.contacts.map((c) => c.uri), ['sip:a', 'sip:b']);
  r.update(a, info(0.1), NOW + 2);
  assert.deepEqual(r.contacts.map((c) => c.uri), ['sip:b', 'sip:a']);
  assert.equal(a.lastModified, NOW + 2);
});

test('desc_time_order: newest first, refreshed ones move to the front', () => {
  const d = new UDomain('location', { descTimeOrder: true }, recording());
  const r = d.insert('alice');
  const a = r.insert('sip:a', info(1), NOW);
  r.insert('sip:b', info(0), NOW);
  assert.deepEqual(r.contacts.map((c) => c.uri), ['sip:b', 'sip:a']);
  r.update(a, info(1), NOW + 1);
  assert.deepEqual(r.contacts.map((c) => c.uri), ['sip:a', 'sip:b']);
  // the per-call override (registrar's desc_time_order) wins over the table's
  r.insert('sip:c', info(0.5), NOW, false);
  assert.deepEqual(r.contacts.map((c) => c.uri), ['sip:a', 'sip:c', 'sip:b']);
});

test('find compares URIs exactly; validity and remaining time follow the clock', () => {
  const d = new UDomain('location', { descTimeOrder: false }, recording());
  const r = d.insert('alice');
  const c = r.insert('sip:alice@host', info(0, NOW + 10), NOW);
  assert.equal(r.find('sip:alice@host'), c);
  assert.equal(r.find('sip:ALICE@host'), undefined);
  assert.equal(c.isValid(NOW + 9), true);
  assert.equal(c.remaining(NOW + 9), 1);
  assert.equal(c.isValid(NOW + 10), false);
  assert.equal(c.remaining(NOW + 20), 0);
  assert.deepEqual(r.validContacts(NOW + 10), []);
});

test('permanent contacts never expire', () => {
  const d = new UDomain('location', { descTimeOrder: false }, recording());
  const r = d.insert('gw');
  const c = r.insert('sip:gw', info(1, 0, { flags: FL_PERMANENT }), NOW);
  assert.equal(c.permanent, true);
  assert.equal(c.isValid(NOW * 1000), true);
  assert.equal(c.remaining(NOW * 1000), PERMANENT_EXPIRES);
  assert.equal(d.expire(NOW * 1000), 0);
  assert.equal(c.view(NOW).expires, undefined);
});

test('expire removes expired contacts and empty records, counts them, and tells the backend', () => {
  const b = recording();
  const d = new UDomain('location', { descTimeOrder: false }, b);
  d.insert('alice').insert('sip:a1', info(0, NOW + 10), NOW);
  d.insert('alice').insert('sip:a2', info(0, NOW + 100), NOW);
  d.insert('bob').insert('sip:b1', info(0, NOW + 10), NOW);
  assert.deepEqual(d.stats(), { table: 'location', records: 2, contacts: 3, expired: 0 });
  assert.equal(d.expire(NOW + 10), 2);
  assert.deepEqual(d.stats(), { table: 'location', records: 1, contacts: 1, expired: 2 });
  assert.equal(d.get('bob'), undefined);
  assert.deepEqual(b.changes, [
    'insert location alice sip:a1',
    'insert location alice sip:a2',
    'insert location bob sip:b1',
    'delete location alice sip:a1',
    'delete location bob sip:b1',
  ]);
});

test('delete removes a record with its contacts; release drops only empty records', () => {
  const b = recording();
  const d = new UDomain('location', { descTimeOrder: false }, b);
  const r = d.insert('alice');
  assert.equal(d.insert('alice'), r, 'insert returns the existing record');
  const c = r.insert('sip:a1', info(0), NOW);
  d.release(r);
  assert.equal(d.get('alice'), r);
  r.remove(c);
  assert.equal(r.remove(c), false);
  d.release(r);
  assert.equal(d.get('alice'), undefined);
  d.insert('bob').insert('sip:b1', info(0), NOW);
  assert.equal(d.delete('bob'), true);
  assert.equal(d.delete('bob'), false);
  assert.equal(d.size, 0);
  assert.deepEqual(b.changes.slice(-2), ['insert location bob sip:b1', 'delete location bob sip:b1']);
});

test('a contact updated after being synchronised becomes dirty', () => {
  const d = new UDomain('location', { descTimeOrder: false }, recording());
  const r = d.insert('alice');
  const c = r.insert('sip:a', info(0), NOW);
  assert.equal(c.state, 'new');
  c.state = 'sync';
  r.update(c, info(0), NOW);
  assert.equal(c.state, 'dirty');
});

test('formatQ prints as SER did, with a third decimal when there is one', () => {
  assert.equal(formatQ(0), '0.00');
  assert.equal(formatQ(0.5), '0.50');
  assert.equal(formatQ(1), '1.00');
  assert.equal(formatQ(0.125), '0.125');
  assert.equal(formatQ(Q_UNSET), undefined);
});
