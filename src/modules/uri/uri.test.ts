import assert from 'node:assert/strict';
import { test } from 'node:test';
import { callFn, credentials, requestCtx, testCore } from '../group/testing.js';
import uri from './index.js';
import { equalsIgnoreAsciiCase } from './username-checks.js';

// check_to, check_from and is_user against the credentials auth_db accepted (ctx.authorized).

const run = (spec: Parameters<typeof requestCtx>[1], fn: string, args: string[] = []) => {
  const tc = testCore();
  const r = callFn(uri, fn, tc.core, requestCtx(tc.core, spec), args);
  assert.equal(typeof r, 'number', 'synchronous');
  return { r: r as number, log: tc.sink.lines.join('') };
};

test('check_to: the To user equals the digest username, without regard to case (SER: strncasecmp)', () => {
  const alice = credentials('alice', 'example.com');
  assert.equal(run({ to: 'sip:alice@example.com', authorized: alice }, 'check_to').r, 1);
  assert.equal(run({ to: 'sip:ALICE@example.com', authorized: alice }, 'check_to').r, 1);
  assert.equal(run({ to: 'sip:alice@elsewhere.org', authorized: alice }, 'check_to').r, 1, 'the domain is not compared');
  assert.equal(run({ to: 'sip:bob@example.com', authorized: alice }, 'check_to').r, -1);
  assert.equal(run({ to: 'sip:alicex@example.com', authorized: alice }, 'check_to').r, -1, 'equal lengths');
  assert.equal(run({ to: 'sip:alic@example.com', authorized: alice }, 'check_to').r, -1);
  // the From is not looked at
  assert.equal(run({ to: 'sip:bob@example.com', from: 'sip:alice@example.com', authorized: alice }, 'check_to').r, -1);
});

test('check_from: the From user equals the digest username', () => {
  const bob = credentials('Bob', 'example.com');
  assert.equal(run({ from: 'sip:bob@example.com', authorized: bob }, 'check_from').r, 1);
  assert.equal(run({ from: 'sips:Bob@example.com', authorized: bob }, 'check_from').r, 1);
  assert.equal(run({ from: 'sip:alice@example.com', to: 'sip:bob@example.com', authorized: bob }, 'check_from').r, -1);
});

test('check_to/check_from: a username with a domain is compared by its user part', () => {
  const a = credentials('alice@example.com', 'example.com');
  assert.equal(run({ to: 'sip:alice@example.com', authorized: a }, 'check_to').r, 1);
  assert.equal(run({ from: 'sip:alice@example.com', authorized: a }, 'check_from').r, 1);
});

test('check_to/check_from: false without credentials (logged as a script error), or without a user in the URI', () => {
  const none = run({ to: 'sip:alice@example.com' }, 'check_to');
  assert.equal(none.r, -1);
  assert.match(none.log, /ERROR: check_to: no authorized credentials found/);
  assert.equal(run({ from: 'sip:alice@example.com' }, 'check_from').r, -1);
  assert.equal(run({ to: 'sip:example.com', authorized: credentials('example.com', 'x') }, 'check_to').r, -1);
  // the user part as written (escaped), as SER compared it
  assert.equal(run({ to: 'sip:%61lice@example.com', authorized: credentials('alice', 'x') }, 'check_to').r, -1);
  // a tel: URI's "user" is its number
  assert.equal(run({ to: 'tel:+4930123', authorized: credentials('+4930123', 'x') }, 'check_to').r, 1);
});

test('is_user: the digest username exactly (case matters, SER: memcmp)', () => {
  const alice = credentials('alice', 'example.com');
  assert.equal(run({ authorized: alice }, 'is_user', ['alice']).r, 1);
  assert.equal(run({ authorized: alice }, 'is_user', ['Alice']).r, -1);
  assert.equal(run({ authorized: alice }, 'is_user', ['alic']).r, -1);
  assert.equal(run({ authorized: alice }, 'is_user', ['bob']).r, -1);
  // username with a domain: the whole username (SER 0.8) or its user part (SER 0.9)
  const ad = credentials('alice@example.com', 'example.com');
  assert.equal(run({ authorized: ad }, 'is_user', ['alice@example.com']).r, 1);
  assert.equal(run({ authorized: ad }, 'is_user', ['alice']).r, 1);
  assert.equal(run({ authorized: ad }, 'is_user', ['example.com']).r, -1);
  const none = run({}, 'is_user', ['alice']);
  assert.equal(none.r, -1);
  assert.match(none.log, /ERROR: is_user: no authorized credentials found/);
});

test('is_user: an empty name is refused when the configuration is checked', () => {
  const tc = testCore();
  assert.throws(() => callFn(uri, 'is_user', tc.core, requestCtx(tc.core), ['']), /is_user: the user name is empty/);
});

test('equalsIgnoreAsciiCase folds ASCII letters only', () => {
  assert.ok(equalsIgnoreAsciiCase('AbC', 'aBc'));
  assert.ok(!equalsIgnoreAsciiCase('ab', 'abc'));
  assert.ok(!equalsIgnoreAsciiCase('[', '{'), "'[' is not '{' in another case");
  assert.ok(!equalsIgnoreAsciiCase('\xc4', '\xe4'), 'latin1 letters are bytes, not folded');
});
