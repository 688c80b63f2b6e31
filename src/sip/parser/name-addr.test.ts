import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SipParseError } from './errors.js';
import { parseUri } from './uri.js';
import { msgOf, request } from './test-util.js';

function withFrom(value: string) {
  return msgOf(['OPTIONS sip:x@example.com SIP/2.0', 'From: ' + value, 'To: ' + value]);
}

function badFrom(value: string): void {
  const m = withFrom(value);
  assert.throws(() => m.from, (e: unknown) => e instanceof SipParseError && e.code === 'E_FROM' && e.status === 400, value);
  assert.throws(() => m.to, (e: unknown) => e instanceof SipParseError && e.code === 'E_TO', value);
}

describe('From / To (RFC 3261 §20.20, §20.39)', () => {
  it('name-addr with a quoted display name and a tag', () => {
    const m = withFrom('"Alice Smith" <sip:alice@atlanta.example.com>;tag=1928301774;x=y');
    const f = m.from;
    assert.equal(f.displayName, 'Alice Smith');
    assert.equal(f.uri, 'sip:alice@atlanta.example.com');
    assert.equal(f.bracketed, true);
    assert.equal(f.tag, '1928301774');
    assert.deepEqual(f.params.map((p) => [p.name, p.value]), [['tag', '1928301774'], ['x', 'y']]);
    assert.equal(m.head.slice(f.uriStart, f.uriEnd), f.uri);
    assert.equal(m.head.slice(f.start, f.end), '"Alice Smith" <sip:alice@atlanta.example.com>;tag=1928301774;x=y');
    assert.equal(m.head.slice(f.params[0].start, f.params[0].end), 'tag=1928301774');
    assert.equal(f.header.name, 'from');
  });

  it('unescapes quoted-pairs in the display name (RFC 4475 wsinv, intmeth)', () => {
    assert.equal(withFrom('"J Rosenberg \\\\\\"" <sip:j@example.com>').from.displayName, 'J Rosenberg \\"');
    assert.equal(withFrom('"BEL:\\\x07 NUL:\\\x00 DEL:\\\x7f" <sip:j@example.com>').from.displayName, 'BEL:\x07 NUL:\x00 DEL:\x7f');
    assert.equal(withFrom('"" <sip:j@example.com>').from.displayName, '');
    assert.equal(withFrom('"a, b; c <d>" <sip:j@example.com>').from.uri, 'sip:j@example.com');
  });

  it('token display names, with or without LWS before < (RFC 4475 lwsdisp, intmeth)', () => {
    assert.equal(withFrom('caller<sip:caller@example.com>;tag=323').from.displayName, 'caller');
    assert.equal(withFrom("token1~` token2'+_ token3*%!.- <sip:m@example.com>").from.displayName, "token1~` token2'+_ token3*%!.-");
    assert.equal(withFrom('A.  Bell <sip:a@example.com>').from.displayName, 'A. Bell');
  });

  it('addr-spec form: params after the URI are header params (RFC 3261 §20.10)', () => {
    const f = withFrom('sip:caller@example.net;tag=134161461246').from;
    assert.equal(f.bracketed, false);
    assert.equal(f.displayName, undefined);
    assert.equal(f.uri, 'sip:caller@example.net');
    assert.equal(f.tag, '134161461246');
  });

  it('addr-spec with LWS and folding around params (RFC 4475 wsinv To)', () => {
    const m = msgOf(['INVITE sip:x@example.com SIP/2.0', 'TO :', ' sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n']);
    assert.equal(m.to.uri, 'sip:vivekg@chair-dnrc.example.com');
    assert.equal(m.to.tag, '1918181833n');
  });

  it('other URI schemes (RFC 4475 unksm2)', () => {
    assert.equal(withFrom('isbn:2983792873').from.uri, 'isbn:2983792873');
    assert.equal(withFrom('<http://www.example.com>;tag=3234233').from.uri, 'http://www.example.com');
  });

  it('refuses malformed values (RFC 4475 quotbal, badaspec, baddn)', () => {
    badFrom('"Mr. J. User <sip:j.user@example.com>');
    badFrom('< sip:t.watson@example.org >');
    badFrom('<sip:t.watson@example.org >');
    badFrom('Bell, Alexander <sip:a.g.bell@example.com>;tag=43');
    badFrom('<sip:a@example.com');
    badFrom('"x" sip:a@example.com');
    badFrom('<sip:a@example.com>;;tag=1');
    badFrom('<sip:a@example.com>, <sip:b@example.com>');
    badFrom('<sip:a@example.com> junk');
    badFrom('<>');
    badFrom('sip:a@example.com?x=y');
    badFrom('');
  });

  it('throws when missing', () => {
    const m = msgOf(['OPTIONS sip:x@example.com SIP/2.0', 'Call-ID: x']);
    assert.throws(() => m.from, (e: unknown) => e instanceof SipParseError && e.code === 'E_FROM');
    assert.throws(() => m.to, (e: unknown) => e instanceof SipParseError && e.code === 'E_TO');
  });
});

describe('Contact (RFC 3261 §20.10)', () => {
  it('comma lists across fields; commas inside quotes and <> do not split', () => {
    const m = request([
      'Contact: "Mr. Watson, Jr." <sip:watson@worcester.example.com;a=1,2>;q=0.7;expires=3600, <sips:w@bell.example.com>',
      'm: sip:x@h.example;q=0.1',
    ]);
    const c = m.contacts;
    assert.ok(Array.isArray(c));
    assert.deepEqual(c.map((x) => x.uri), ['sip:watson@worcester.example.com;a=1,2', 'sips:w@bell.example.com', 'sip:x@h.example']);
    assert.equal(c[0].displayName, 'Mr. Watson, Jr.');
    assert.equal(c[0].q, '0.7');
    assert.equal(c[0].expires, 3600);
    assert.equal(c[2].q, '0.1');
    assert.equal(c[1].expires, undefined);
  });

  it('RFC 4475 cparam01 / cparam02: params belong to the header unless inside <>', () => {
    const a = request(['Contact: sip:+19725552222@gw1.example.net;unknownparam']).contacts;
    const b = request(['Contact: <sip:+19725552222@gw1.example.net;unknownparam>']).contacts;
    assert.ok(a !== '*' && b !== '*');
    assert.deepEqual(a[0].params.map((p) => p.name), ['unknownparam']);
    assert.equal(parseUri(a[0].uri).params, '');
    assert.deepEqual(b[0].params, []);
    assert.equal(parseUri(b[0].uri).params, 'unknownparam');
  });

  it('an overlarge or malformed expires is reported as absent (RFC 4475 scalar02)', () => {
    const c = request(['Contact: <sip:a@h.example>;expires=280297596632815, <sip:b@h.example>;expires=soon']).contacts;
    assert.ok(c !== '*');
    assert.equal(c[0].expires, undefined);
    assert.equal(c[1].expires, undefined);
    assert.equal(c[0].params[0].value, '280297596632815');
  });

  it("'*' alone; mixed with others is an error", () => {
    assert.equal(request(['Contact: *']).contacts, '*');
    assert.throws(() => request(['Contact: *', 'Contact: <sip:a@h.example>']).contacts, SipParseError);
    assert.throws(() => request(['Contact: <sip:a@h.example>', 'Contact: *']).contacts, SipParseError);
    assert.throws(() => request(['Contact: *, <sip:a@h.example>']).contacts, SipParseError);
    assert.deepEqual(request().contacts, []);
  });

  it('escaped headers need <> (RFC 4475 regbadct vs regescrt)', () => {
    assert.throws(() => request(['Contact: sip:user@example.com?Route=%3Csip:sip.example.com%3E']).contacts, (e: unknown) => e instanceof SipParseError && e.code === 'E_CONTACT');
    const ok = request(['Contact: <sip:user@example.com?Route=%3Csip:sip.example.com%3E>']).contacts;
    assert.ok(ok !== '*');
    assert.equal(parseUri(ok[0].uri).headers, 'Route=%3Csip:sip.example.com%3E');
  });

  it('refuses stray separators (RFC 4475 badinv01)', () => {
    assert.throws(() => request(['Contact: "Joe" <sip:joe@example.org>;;;;']).contacts, SipParseError);
    assert.throws(() => request(['Contact: <sip:a@h.example>,']).contacts, SipParseError);
    assert.throws(() => request(['Contact: <sip:a@h.example>,,<sip:b@h.example>']).contacts, SipParseError);
  });
});

describe('Route / Record-Route (RFC 3261 §20.34, §20.30)', () => {
  it('all values in order, across fields', () => {
    const m = request(['Route: <sip:p1.example.com;lr>, <sip:p2.example.com;lr>', 'Route: <sip:p3.example.com;lr>;x=1', 'Record-Route: <sip:rr.example.com;lr>']);
    assert.deepEqual(m.routes.map((r) => r.uri), ['sip:p1.example.com;lr', 'sip:p2.example.com;lr', 'sip:p3.example.com;lr']);
    assert.equal(m.routes[2].params[0].name, 'x');
    assert.deepEqual(m.recordRoutes.map((r) => r.uri), ['sip:rr.example.com;lr']);
    assert.deepEqual(request().routes, []);
  });
  it('needs the name-addr form', () => {
    assert.throws(() => request(['Route: sip:p1.example.com;lr']).routes, (e: unknown) => e instanceof SipParseError && e.code === 'E_ROUTE');
    assert.throws(() => request(['Record-Route: sip:p1.example.com']).recordRoutes, (e: unknown) => e instanceof SipParseError && e.code === 'E_RECORD_ROUTE');
  });
});
