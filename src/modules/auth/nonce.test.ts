import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_TRACKED_NONCES, Nonces } from './nonce.js';

test('a nonce is valid until nonce_expire, then stale', () => {
  let now = 1_700_000_000_000;
  const n = new Nonces('s3cret', 300, () => now);
  const nonce = n.issue();
  assert.match(nonce, /^[0-9a-f]{48}$/);
  assert.equal(n.check(nonce, undefined), 'ok');
  now += 299_000;
  assert.equal(n.check(nonce, undefined), 'ok');
  now += 2_000;
  assert.equal(n.check(nonce, undefined), 'stale');
});

test('servers with the same secret accept each other\'s nonces (Example 3-10); another secret does not', () => {
  const a = new Nonces('alsdkhglaksdhfkloiwr', 300);
  const b = new Nonces('alsdkhglaksdhfkloiwr', 300);
  const c = new Nonces('other', 300);
  const nonce = a.issue();
  assert.equal(b.check(nonce, undefined), 'ok');
  assert.equal(c.check(nonce, undefined), 'invalid');
});

test('a forged or altered nonce is invalid: expiry moved, signature changed, wrong length', () => {
  const n = new Nonces('k', 300);
  const nonce = n.issue();
  const later = (parseInt(nonce.slice(0, 8), 16) + 3600).toString(16).padStart(8, '0');
  assert.equal(n.check(later + nonce.slice(8), undefined), 'invalid');
  assert.equal(n.check(nonce.slice(0, 47) + (nonce[47] === 'a' ? 'b' : 'a'), undefined), 'invalid');
  assert.equal(n.check(nonce + '00', undefined), 'invalid');
  assert.equal(n.check('', undefined), 'invalid');
  assert.equal(n.check('Z'.repeat(48), undefined), 'invalid');
});

test('nonce-counts must grow (RFC 7616 §3.4.5): a replayed or older count is refused', () => {
  const n = new Nonces('k', 300);
  const nonce = n.issue();
  assert.equal(n.check(nonce, 1), 'ok');
  n.accept(nonce, 1);
  assert.equal(n.check(nonce, 1), 'replay');
  assert.equal(n.check(nonce, 2), 'ok');
  n.accept(nonce, 3);
  assert.equal(n.check(nonce, 2), 'replay');
  assert.equal(n.check(nonce, 4), 'ok');
});

test('the count table is bounded and swept of expired nonces', () => {
  let now = 1_700_000_000_000;
  const n = new Nonces('k', 10, () => now);
  for (let i = 0; i < MAX_TRACKED_NONCES + 5; i++) n.accept(`${i}`.padStart(48, '0'), 1);
  assert.equal(n.tracked, MAX_TRACKED_NONCES);
  const fresh = n.issue();
  n.accept(fresh, 1);
  now += 11_000;
  n.sweep();
  assert.equal(n.tracked, 0);
});
