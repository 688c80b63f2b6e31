import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SipParseError } from './errors.js';
import { formatUri, parseUri, unescapeUri, uriParam } from './uri.js';

function bad(text: string): void {
  assert.throws(() => parseUri(text), (e: unknown) => e instanceof SipParseError && e.code === 'E_URI' && e.status === 400, text);
}

describe('parseUri: SIP URIs (RFC 3261 §19.1, §25.1)', () => {
  it('splits user, password, host, port, params and headers', () => {
    const u = parseUri('sip:alice:secret@atlanta.com:5061;transport=tcp;lr?subject=project%20x&priority=urgent');
    assert.equal(u.scheme, 'sip');
    assert.equal(u.user, 'alice');
    assert.equal(u.password, 'secret');
    assert.equal(u.host, 'atlanta.com');
    assert.equal(u.port, 5061);
    assert.equal(u.params, 'transport=tcp;lr');
    assert.equal(u.headers, 'subject=project%20x&priority=urgent');
    assert.equal(u.text, 'sip:alice:secret@atlanta.com:5061;transport=tcp;lr?subject=project%20x&priority=urgent');
  });

  it('takes a host alone, any scheme case, sips', () => {
    const u = parseUri('SIPS:example.com');
    assert.equal(u.scheme, 'sips');
    assert.equal(u.user, undefined);
    assert.equal(u.host, 'example.com');
    assert.equal(u.port, undefined);
    assert.equal(u.params, '');
    assert.equal(u.headers, '');
  });

  it('keeps IPv6 references with their brackets', () => {
    const u = parseUri('sip:[2001:db8::10]:5070;maddr=[::1]');
    assert.equal(u.host, '[2001:db8::10]');
    assert.equal(u.port, 5070);
    assert.equal(uriParam(u, 'maddr'), '[::1]');
    assert.equal(parseUri('sip:user@[::ffff:192.0.2.1]').host, '[::ffff:192.0.2.1]');
    bad('sip:[2001:db8::1');
    bad('sip:[2001:db8:::1]');
    bad('sip:[1:2:3:4:5:6:7:8:9]');
    bad('sip:[12345::]');
  });

  it('accepts IPv4 and refuses impossible ones', () => {
    assert.equal(parseUri('sip:192.0.2.1').host, '192.0.2.1');
    bad('sip:192.0.2.300');
    bad('sip:1.2.3');
  });

  it('checks hostnames (RFC 3261 §25.1 hostname)', () => {
    assert.equal(parseUri('sip:a-b.example.com.').host, 'a-b.example.com.');
    bad('sip:-a.example.com');
    bad('sip:a..example.com');
    bad('sip:example.123');
    bad('sip:');
    bad('sip:user@');
  });

  it('checks the port range', () => {
    assert.equal(parseUri('sip:h.example:0').port, 0);
    assert.equal(parseUri('sip:h.example:65535').port, 65535);
    bad('sip:h.example:65536');
    bad('sip:h.example:');
    bad('sip:h.example:5x');
  });

  it('RFC 4475 §3.1.1.2 intmeth: the user part and password may hold ; ? / & = + $ , and marks', () => {
    const text =
      "sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:&it+has=1,weird!*pas$wo~d_too.(doesn't-it)@example.com";
    const u = parseUri(text);
    assert.equal(u.user, "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
    assert.equal(u.password, "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
    assert.equal(u.host, 'example.com');
    assert.equal(u.params, '');
  });

  it('RFC 4475 §3.1.1.9 semiuri: ; in the user part is not a parameter', () => {
    const u = parseUri('sip:user;par=u%40example.net@example.com');
    assert.equal(u.user, 'user;par=u%40example.net');
    assert.equal(unescapeUri(u.user!), 'user;par=u@example.net');
    assert.equal(u.host, 'example.com');
    assert.equal(u.params, '');
  });

  it('checks escapes', () => {
    assert.equal(parseUri('sip:%61lice@example.com').user, '%61lice');
    bad('sip:%6@example.com');
    bad('sip:%zz@example.com');
    bad('sip:a%@example.com');
  });

  it('refuses non-ASCII text (RFC 3261 §25.1: it must be escaped)', () => {
    bad('sip:j\u00f6rg@example.com');
    bad('sip:\u0141@example.com');
  });

  it('parses long URIs', () => {
    const u = parseUri('sip:' + 'a'.repeat(5000) + '@example.com;x=' + 'b'.repeat(5000));
    assert.equal(u.user!.length, 5000);
    assert.equal(uriParam(u, 'x')!.length, 5000);
    assert.equal(parseUri('sip:bob@example.com').user, 'bob');
  });

  it('refuses whitespace, <> and empty parameters (RFC 4475 ltgtruri, lwsruri)', () => {
    bad('<sip:user@example.com>');
    bad('sip:user@example.com; lr');
    bad('sip:user@example.com ');
    bad('sip:user name@example.com');
    bad('sip:example.com;;lr');
    bad('sip:example.com;lr=');
    bad('sip:example.com?');
    bad('sip:example.com?noequals');
  });
});

describe('parseUri: tel and other schemes', () => {
  it('tel: the number goes in user', () => {
    const u = parseUri('tel:+1-201-555-0123;ext=1234');
    assert.equal(u.scheme, 'tel');
    assert.equal(u.user, '+1-201-555-0123');
    assert.equal(u.host, '');
    assert.equal(u.params, 'ext=1234');
    assert.equal(uriParam(u, 'ext'), '1234');
    bad('tel:');
  });

  it('RFC 4475 unkscm / novelsc / unksm2: unknown schemes parse as absoluteURI', () => {
    for (const t of ['nobodyKnowsThisScheme:totallyopaquecontent', 'soap.beep://192.0.2.103:3002', 'isbn:2983792873', 'http://www.example.com', 'name:John_Smith']) {
      const u = parseUri(t);
      assert.equal(u.scheme, t.slice(0, t.indexOf(':')).toLowerCase());
      assert.equal(u.host, '');
      assert.equal(u.opaque, t.slice(t.indexOf(':') + 1));
      assert.equal(formatUri(u), u.scheme + ':' + u.opaque);
    }
    bad('1abc:x');
    bad('x:');
    bad('noscheme');
    bad('x:a b');
    bad('');
  });
});

describe('uriParam', () => {
  const u = parseUri('sip:h.example;Transport=TCP;lr;%6C%72x;n%61me=v%61lue%25%34%31');
  it('finds names case-insensitively, null when valueless, undefined when absent', () => {
    assert.equal(uriParam(u, 'transport'), 'TCP');
    assert.equal(uriParam(u, 'LR'), null);
    assert.equal(uriParam(u, 'maddr'), undefined);
    assert.equal(uriParam(parseUri('sip:h.example'), 'lr'), undefined);
  });
  it('matches escaped names after unescaping, returns the value as written (RFC 4475 esc01)', () => {
    assert.equal(uriParam(u, 'lrx'), null);
    assert.equal(uriParam(u, 'name'), 'v%61lue%25%34%31');
    assert.equal(unescapeUri(uriParam(u, 'name')!), 'value%41');
  });
});

describe('unescapeUri', () => {
  it('decodes exactly one level (RFC 4475 §3.1.1.3)', () => {
    assert.equal(unescapeUri('n%61me=v%61lue%25%34%31'), 'name=value%41');
  });
  it('keeps %00 and does not truncate (RFC 4475 §3.1.1.4)', () => {
    assert.equal(unescapeUri('null-%00-null'), 'null-\0-null');
    assert.equal(unescapeUri('%00%00').length, 2);
  });
  it('leaves malformed escapes alone', () => {
    assert.equal(unescapeUri('%Z%45'), '%ZE');
    assert.equal(unescapeUri('a%4'), 'a%4');
    assert.equal(unescapeUri('plain'), 'plain');
  });
});

describe('formatUri', () => {
  it('round-trips parseUri', () => {
    for (const t of [
      'sip:alice:secret@atlanta.com:5061;transport=tcp;lr?subject=x',
      'sips:[::1]:5061',
      'sip:example.com',
      'sip:bob@192.0.2.4',
      'tel:+15551234;phone-context=example.com',
    ]) {
      assert.equal(formatUri(parseUri(t)), t);
    }
  });
  it('builds from changed parts', () => {
    const u = parseUri('sip:alice@atlanta.com;lr');
    assert.equal(formatUri({ ...u, host: 'biloxi.com', port: 5080, user: undefined }), 'sip:biloxi.com:5080;lr');
  });
});
