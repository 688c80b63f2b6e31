import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalHeaderName, COMPACT_FORMS } from './header-names.js';
import { msgOf } from './test-util.js';

describe('header names (RFC 3261 §7.3.1, §7.3.3)', () => {
  it('are case-insensitive and canonical in lower case', () => {
    for (const n of ['Via', 'VIA', 'via', 'ViA', 'vIa']) assert.equal(canonicalHeaderName(n), 'via');
    assert.equal(canonicalHeaderName('Call-ID'), 'call-id');
    assert.equal(canonicalHeaderName('X-Custom-Thing'), 'x-custom-thing');
  });
  it('map every compact form', () => {
    const expect: Record<string, string> = {
      v: 'via', f: 'from', t: 'to', i: 'call-id', m: 'contact', l: 'content-length', c: 'content-type', e: 'content-encoding', k: 'supported',
      s: 'subject', r: 'refer-to', o: 'event', u: 'allow-events', x: 'session-expires', b: 'referred-by', a: 'accept-contact', j: 'reject-contact',
      d: 'request-disposition', y: 'identity', n: 'identity-info',
    };
    assert.deepEqual({ ...COMPACT_FORMS }, expect);
    for (const [k, v] of Object.entries(expect)) {
      assert.equal(canonicalHeaderName(k), v);
      assert.equal(canonicalHeaderName(k.toUpperCase()), v);
    }
  });
  it('the head scanner maps names the same way', () => {
    const m = msgOf([
      'OPTIONS sip:x@example.com SIP/2.0',
      'v: SIP/2.0/UDP a.example',
      'VIA: SIP/2.0/UDP b.example',
      'I: id@h',
      'CONTENT-length: 0',
      'x-Foo: 1',
      'C%6Fntact: <sip:x@example.com>',
      'Max-Forwards: 1',
    ]);
    assert.deepEqual(m.headers.map((h) => h.name), ['via', 'via', 'call-id', 'content-length', 'x-foo', 'c%6fntact', 'max-forwards']);
    // canonical known names are the interned literals
    assert.equal(m.headers[0].name, 'via');
  });
});
