import assert from 'node:assert/strict';
import { test } from 'node:test';
import { credentials, genHa1 } from './serctl-ha1.js';

test('genHa1 matches RFC 2617 §3.5 (Mufasa, testrealm@host.com, Circle Of Life)', () => {
  // HA1 of the RFC's example, as computed by the RFC's reference code
  assert.equal(genHa1('Mufasa', 'testrealm@host.com', 'Circle Of Life'), '939e7578ed9e3c518a452acee763bce9');
});

test('credentials: ha1 over user, ha1b over user@domain, realm SIP_DOMAIN', () => {
  const c = credentials('newuser', 'foo.bar', 'secret');
  // computed independently with coreutils: printf 'newuser:foo.bar:secret' | md5sum
  assert.equal(c.ha1, 'f9f7cf38559dc6c03aa216a18e6689a9');
  // printf 'newuser@foo.bar:foo.bar:secret' | md5sum
  assert.equal(c.ha1b, '227c06efbafef807746ee60e354f9b6c');
});
