import assert from 'node:assert/strict';
import { test } from 'node:test';
import { uacParams } from './serctl-uac.js';
import { checkUri, contactLine } from './serctl-usrloc.js';

test('checkUri: SER\'s check_uri (sip:, optional user, a host with a dot)', () => {
  for (const u of ['sip:666@gateway.foo.bar', 'sip:john.doe@foo.bar', 'sip:192.0.2.1', 'sips:a@b.c:5061', 'sip:[2001:db8::1]']) assert.ok(checkUri(u), u);
  for (const u of ['john.doe', 'sip:localhost', 'tel:+1234', 'sip:a b@c.d', '']) assert.ok(!checkUri(u), u);
});

test('contactLine: the ul show line of the admin guide', () => {
  assert.equal(contactLine('sip:666@gateway.foo.bar', 1, 1073741812), '<sip:666@gateway.foo.bar>;q=1.00;expires=1073741812');
  assert.equal(contactLine('sip:jiri@212.202.172.134', null, 456), '<sip:jiri@212.202.172.134>;q=0.00;expires=456');
});

test('uacParams: t_uac_dlg lines (method, URI, ".", headers, ".", empty body ".")', () => {
  const p = uacParams('NOTIFY', 'sip:phone@192.0.2.7', 'foo.bar', 'cid@h');
  assert.deepEqual(p.slice(0, 3), ['NOTIFY', 'sip:phone@192.0.2.7', '.']);
  assert.ok(p.includes('Event: check-sync'));
  assert.ok(p.includes('CSeq: 1 NOTIFY'));
  assert.ok(p.includes('Call-ID: cid@h'));
  assert.deepEqual(p.slice(-2), ['.', '.']);
  assert.ok(!uacParams('OPTIONS', 'sip:a@b.c', 'foo.bar', 'x').some((l) => l.startsWith('Event:')));
});
