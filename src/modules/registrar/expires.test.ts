import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseMessage } from '../../sip/parser/message.js';
import { parseUri } from '../../sip/parser/uri.js';
import { aorOf, MAX_AOR_LEN } from './aor.js';
import { expiresHeader, grantedExpires, requestedExpires } from './expires.js';
import { parseQ } from './q.js';
import { registerText } from './testing.js';

function msg(contacts: string[], expires?: number | string) {
  return parseMessage(Buffer.from(registerText({ contacts, expires })));
}

test('the Expires header: seconds, absent, malformed; huge values capped at 2^32-1', () => {
  assert.equal(expiresHeader(msg([], 600)), 600);
  assert.equal(expiresHeader(msg([])), undefined);
  assert.equal(expiresHeader(msg([], 'later')), 'malformed');
  assert.equal(expiresHeader(msg([], '99999999999')), 4294967295);
});

test('a contact asks with its parameter, else the header, else gets the default', () => {
  const m = msg(['<sip:a@h>;expires=30', '<sip:b@h>', '<sip:c@h>;expires=x', '<sip:d@h>;expires=99999999999'], 600);
  const [a, b, c, d] = m.contacts as readonly import('../../sip/parser/message.js').Contact[];
  const h = expiresHeader(m);
  assert.deepEqual(requestedExpires(a!, h, 3600), { seconds: 30, requested: true });
  assert.deepEqual(requestedExpires(b!, h, 3600), { seconds: 600, requested: true });
  assert.deepEqual(requestedExpires(c!, h, 3600), { seconds: 3600, requested: false });
  assert.deepEqual(requestedExpires(d!, h, 3600), { seconds: 4294967295, requested: true });
  assert.deepEqual(requestedExpires(b!, undefined, 1800), { seconds: 1800, requested: false });
  assert.deepEqual(requestedExpires(b!, 'malformed', 1800), { seconds: 1800, requested: false });
});

test('limits: 423 only for a requested interval under min_expires and under an hour', () => {
  const l = { minExpires: 7200, maxExpires: 0 };
  assert.equal(grantedExpires({ seconds: 0, requested: true }, l), 0);
  assert.equal(grantedExpires({ seconds: 60, requested: true }, l), 'too-brief');
  assert.equal(grantedExpires({ seconds: 3600, requested: true }, l), 7200, 'an hour or more is raised, not refused');
  assert.equal(grantedExpires({ seconds: 60, requested: false }, l), 7200);
  assert.equal(grantedExpires({ seconds: 90000, requested: true }, { minExpires: 0, maxExpires: 86400 }), 86400);
  assert.equal(grantedExpires({ seconds: 5, requested: true }, { minExpires: 0, maxExpires: 0 }), 5);
});

test('q values follow the RFC 3261 grammar', () => {
  assert.equal(parseQ('0'), 0);
  assert.equal(parseQ('0.'), 0);
  assert.equal(parseQ('0.5'), 0.5);
  assert.equal(parseQ('0.125'), 0.125);
  assert.equal(parseQ('1'), 1);
  assert.equal(parseQ('1.000'), 1);
  for (const bad of ['1.1', '2', '.5', '0.1234', '-0', 'x', '', null]) assert.equal(parseQ(bad), undefined, String(bad));
});

test('the address of record: user (unescaped, lower-cased), with use_domain user@host', () => {
  const u = (s: string) => parseUri(s);
  const plain = { useDomain: false, caseSensitive: false };
  assert.deepEqual(aorOf(u('sip:Alice@Example.COM:5060;user=phone'), plain), { aor: 'alice' });
  assert.deepEqual(aorOf(u('sip:Alice@Example.COM'), { useDomain: true, caseSensitive: false }), { aor: 'alice@example.com' });
  assert.deepEqual(aorOf(u('sip:Alice@Example.COM'), { useDomain: true, caseSensitive: true }), { aor: 'Alice@example.com' });
  assert.deepEqual(aorOf(u('sip:j%2Edoe@example.com'), plain), { aor: 'j.doe' });
  assert.deepEqual(aorOf(u('sip:%C0Lice@example.com'), plain), { aor: '\xC0lice' }, 'only A-Z are lower-cased, as SER did');
  assert.deepEqual(aorOf(u('tel:+1-555-0100'), { useDomain: true, caseSensitive: false }), { aor: '+1-555-0100' });
  assert.deepEqual(aorOf(u('sip:example.com'), plain), { error: 'no-user' });
  assert.deepEqual(aorOf(u(`sip:${'a'.repeat(MAX_AOR_LEN + 1)}@example.com`), plain), { error: 'too-long' });
});
