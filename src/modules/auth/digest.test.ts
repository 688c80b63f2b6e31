import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDigestCredentials } from './credentials.js';
import { expectedResponse, ha1, sameDigest } from './digest.js';

test('RFC 2617 §3.5: the Mufasa example (MD5, qop=auth)', () => {
  const h1 = ha1('MD5', 'Mufasa', 'testrealm@host.com', 'Circle Of Life');
  const r = expectedResponse({
    algorithm: 'MD5',
    ha1: h1,
    nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
    method: 'GET',
    uri: '/dir/index.html',
    qop: 'auth',
    ncText: '00000001',
    cnonce: '0a4f113b',
  });
  assert.equal(r, '6629fae49393a05397450978507c4ef1');
});

const RFC7616 = {
  nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
  cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
  realm: 'http-auth@example.org',
};

test('RFC 7616 §3.9.1: MD5 and SHA-256 responses of the example', () => {
  for (const [alg, want] of [
    ['MD5', '8ca523f5e9506fed4657c9700eebdbec'],
    ['SHA-256', '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1'],
  ] as const) {
    const r = expectedResponse({
      algorithm: alg,
      ha1: ha1(alg, 'Mufasa', RFC7616.realm, 'Circle of Life'),
      nonce: RFC7616.nonce,
      method: 'GET',
      uri: '/dir/index.html',
      qop: 'auth',
      ncText: '00000001',
      cnonce: RFC7616.cnonce,
    });
    assert.equal(r, want, alg);
  }
});

test('RFC 2069 style (no qop): response = H(HA1:nonce:HA2)', () => {
  const h1 = ha1('MD5', 'alice', 'iptel.org', 'secret');
  const r = expectedResponse({ algorithm: 'MD5', ha1: h1, nonce: 'abc', method: 'REGISTER', uri: 'sip:iptel.org' });
  // md5(md5("alice:iptel.org:secret") + ":abc:" + md5("REGISTER:sip:iptel.org")), computed with md5sum
  assert.equal(r, 'aeb38f0d72c9c9b5f3b1f4a8c3c86213');
});

test('MD5-sess hashes HA1 with the nonce and cnonce (RFC 2617 §3.2.2.2)', () => {
  const h1 = ha1('MD5', 'Mufasa', 'testrealm@host.com', 'Circle Of Life');
  const a = expectedResponse({ algorithm: 'MD5-SESS', ha1: h1, nonce: 'n', method: 'GET', uri: '/', qop: 'auth', ncText: '00000001', cnonce: 'c' });
  const b = expectedResponse({ algorithm: 'MD5', ha1: h1, nonce: 'n', method: 'GET', uri: '/', qop: 'auth', ncText: '00000001', cnonce: 'c' });
  assert.notEqual(a, b);
});

test('sameDigest compares case-insensitively and refuses different lengths', () => {
  assert.ok(sameDigest('ABCDEF', 'abcdef'));
  assert.ok(!sameDigest('abcdef', 'abcde'));
  assert.ok(!sameDigest('abcdef', 'abcdee'));
});

test('the Mufasa credentials parse as a SIP client would send them', () => {
  const p = parseDigestCredentials(
    'Digest username="Mufasa", realm="testrealm@host.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", uri="/dir/index.html", ' +
      'qop=auth, nc=00000001, cnonce="0a4f113b", response="6629fae49393a05397450978507c4ef1", opaque="5ccc069c403ebaf9f0171e9517f40e41"',
  );
  assert.ok(p.ok);
  assert.equal(p.cred.username, 'Mufasa');
  assert.equal(p.cred.nc, 1);
  assert.equal(p.cred.ncText, '00000001');
  assert.equal(p.cred.algorithm, 'MD5');
  assert.equal(p.cred.opaque, '5ccc069c403ebaf9f0171e9517f40e41');
});

test('quoted-pairs are resolved, the scheme is case-insensitive, LWS and folding tolerated', () => {
  const p = parseDigestCredentials('digest  username = "a\\"b" ,realm="r",\r\n nonce="n", uri="sip:x", response="0a", algorithm=sha-256');
  assert.ok(p.ok, p.ok ? '' : p.reason);
  assert.equal(p.cred.username, 'a"b');
  assert.equal(p.cred.algorithm, 'SHA-256');
});

test('hostile credentials are refused with a reason, never thrown', () => {
  const base = 'Digest username="u", realm="r", nonce="n", uri="sip:x", response="00"';
  const cases: [string, RegExp][] = [
    ['Digest username="u, realm=r', /unterminated/],
    ['Digest username="u, realm="r"', /expected ','/],
    ['Digest username', /without a value/],
    ['Digest username="u" realm="r"', /expected ','/],
    [base + ', ' + Array.from({ length: 5000 }, (_, i) => `p${i}=1`).join(', '), /longer than|more than/],
    [base + ', ' + Array.from({ length: 40 }, (_, i) => `p${i}=1`).join(', '), /more than 32 parameters/],
    ['Digest username="' + 'x'.repeat(600) + '", realm="r", nonce="n", uri="sip:x", response="00"', /longer than 512/],
    ['Digest realm="r", nonce="n", uri="sip:x", response="00"', /missing 'username'/],
    [base + ', qop=auth', /qop without cnonce or nc/],
    [base + ', qop=auth, cnonce="c", nc=1', /8 hex digits/],
    ['Digest username="u", realm="r", nonce="n", uri="sip:x", response="zz"', /hexadecimal/],
    [base + ', username="v"', /given twice/],
    ['Basic dXNlcjpwYXNz', /not Digest/],
    ['Digest username="a\x01b", realm="r", nonce="n", uri="sip:x", response="00"', /control character/],
    ['Digest =x', /bad parameter name/],
    ['Digest username="u\\', /unterminated/],
  ];
  for (const [v, why] of cases) {
    const p = parseDigestCredentials(v);
    assert.equal(p.ok, false, v.slice(0, 60));
    if (!p.ok) assert.match(p.reason, why, v.slice(0, 60));
  }
});
