// RFC 4475 conformance: every torture message gets the verdict pinned in expectations.ts, plus
// the facts the RFC text states about the accepted ones.

import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import { frameStream } from '../../src/sip/parser/message.js';
import type { Contact, SipMessage } from '../../src/sip/parser/message.js';
import { SipParseError } from '../../src/sip/parser/errors.js';
import { parseUri, unescapeUri, uriParam } from '../../src/sip/parser/uri.js';
import { checkRequest } from '../../src/sip/validate.js';
import { EXPECTATIONS } from './expectations.js';
import { fixture, outcome } from './fixtures.js';

const utf8 = (latin1: string) => Buffer.from(latin1, 'latin1').toString('utf8');

function contactList(m: SipMessage): readonly Contact[] {
  const c = m.contacts;
  assert.notEqual(c, '*');
  return c as readonly Contact[];
}

/** Facts RFC 4475 states about the messages we accept (and a few we reject). */
const FACTS: Record<string, (m: SipMessage, buf: Buffer) => void> = {
  wsinv(m, buf) {
    assert.equal(m.method, 'INVITE');
    assert.equal(m.to.uri, 'sip:vivekg@chair-dnrc.example.com');
    assert.equal(m.to.tag, '1918181833n');
    assert.equal(m.from.displayName, 'J Rosenberg \\"');
    assert.equal(m.from.uri, 'sip:jdrosen@example.com');
    assert.equal(m.from.tag, '98asjd8');
    assert.equal(m.maxForwards, 68);
    assert.deepEqual(m.cseq, { seq: 9, method: 'INVITE' });
    assert.deepEqual(m.vias.map((v) => [v.transport, v.host, v.branch]), [
      ['UDP', '192.0.2.2', '390skdjuw'],
      ['TCP', 'spindle.example.com', 'z9hG4bK9ikj8'],
      ['UDP', '192.168.255.111', 'z9hG4bK30239'],
    ]);
    assert.equal(m.value(m.header('newfangledheader')!), 'newfangled value   continued newfangled value');
    assert.equal(m.value(m.header('unknownheaderwithunusualvalue')!), ';;,,;;,;');
    assert.equal(m.value(m.header('subject')!), '');
    assert.equal(m.routes[0].uri, 'sip:services.example.com;lr;unknownwith=value;unknown-no-value');
    const [c] = contactList(m);
    assert.equal(c.displayName, 'Quoted string ""');
    assert.equal(c.q, '0.33');
    assert.deepEqual(c.params.map((p) => [p.name, p.value]), [['newparam', 'newvalue'], ['secondparam', null], ['q', '0.33']]);
    assert.equal(m.body.length, 150);
    assert.equal(m.body.toString('latin1'), buf.toString('latin1', buf.length - 150));
  },
  intmeth(m) {
    const method = "!interesting-Method0123456789_*+`.%indeed'~";
    assert.equal(m.method, method);
    assert.equal(m.cseq.method, method);
    assert.equal(m.uri.user, "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
    assert.equal(m.uri.password, "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
    assert.equal(m.to.displayName, 'BEL:\x07 NUL:\x00 DEL:\x7f');
    assert.equal(m.from.displayName, "token1~` token2'+_ token3*%!.-");
    assert.equal(utf8(m.from.params[0].value!), '"работающий"');
    assert.equal(m.from.tag, "_token~1'+`*%!-.");
    assert.equal(m.callId, "intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{");
    assert.equal(utf8(m.value(m.header("extensionheader-!.%*+_`'~")!)), '\ufeff\u5927\u505c\u96fb');
  },
  esc01(m) {
    assert.equal(unescapeUri(m.uri.user!), 'sips:user@example.com');
    assert.equal(m.uri.host, 'example.net');
    assert.equal(unescapeUri(parseUri(m.to.uri).user!), 'user');
    assert.equal(unescapeUri(parseUri(m.from.uri).user!), 'I have spaces');
    const u = parseUri(contactList(m)[0].uri);
    assert.equal(unescapeUri(u.user!), 'caller');
    assert.equal(u.params, '%6C%72;n%61me=v%61lue%25%34%31');
    assert.equal(uriParam(u, 'lr'), null);
    assert.equal(unescapeUri(uriParam(u, 'name')!), 'value%41');
  },
  escnull(m) {
    const to = parseUri(m.to.uri);
    assert.equal(to.user, 'null-%00-null');
    assert.equal(unescapeUri(to.user!), 'null-\0-null');
    assert.equal(unescapeUri(parseUri(m.from.uri).user!), 'null-\0-null');
    const users = contactList(m).map((c) => unescapeUri(parseUri(c.uri).user!));
    assert.deepEqual(users, ['\0', '\0\0']);
    assert.notEqual(users[0], users[1]);
  },
  esc02(m) {
    assert.equal(m.method, 'RE%47IST%45R');
    assert.notEqual(m.method, 'REGISTER');
    assert.equal(m.to.displayName, '%Z%45');
    assert.equal(contactList(m).length, 2);
    assert.equal(m.headersNamed('c%6fntact').length, 1);
    assert.equal(m.via1.branch, 'z9hG4bK209%fzsnel234');
  },
  lwsdisp(m) {
    assert.equal(m.from.displayName, 'caller');
    assert.equal(m.from.uri, 'sip:caller@example.com');
  },
  longreq(m) {
    assert.equal(m.vias.length, 34);
    assert.equal(m.vias[33].received, '192.0.2.5');
    assert.ok(m.to.displayName!.startsWith('I have a user name of extremeextreme'));
    assert.ok(m.callId.length > 100);
    assert.equal(m.body.length, 150);
  },
  dblreq(m, buf) {
    assert.equal(m.method, 'REGISTER');
    assert.equal(m.body.length, 0);
    assert.equal(m.buf.length, m.bodyStart);
    assert.ok(m.buf.length < buf.length);
    assert.ok(!m.buf.includes('INVITE sip:joe@example.com'));
  },
  semiuri(m) {
    assert.equal(m.uri.user, 'user;par=u%40example.net');
    assert.equal(unescapeUri(m.uri.user!), 'user;par=u@example.net');
    assert.equal(m.uri.host, 'example.com');
    assert.equal(m.uri.params, '');
    assert.equal(m.value(m.header('accept')!), 'application/sdp, application/pkcs7-mime,          multipart/mixed, multipart/signed,          message/sip, message/sipfrag');
  },
  transports(m) {
    assert.deepEqual(m.vias.map((v) => v.transport), ['UDP', 'SCTP', 'TLS', 'UNKNOWN', 'TCP']);
  },
  mpart01(m, buf) {
    assert.equal(m.contentLength, 553);
    assert.equal(m.body.length, 553);
    assert.deepEqual(m.body, buf.subarray(buf.length - 553));
    assert.ok(m.body.includes(0));
    assert.ok(m.value(m.header('content-type')!).startsWith('multipart/mixed'));
  },
  unreason(m) {
    assert.equal(m.status, 200);
    assert.equal(utf8(m.reason), '= 2**3 * 5**2 но сто девяносто девять - простое');
  },
  noreason(m) {
    assert.equal(m.status, 100);
    assert.equal(m.reason, '');
  },
  badbranch(m) {
    assert.equal(m.via1.branch, 'z9hG4bK');
  },
  scalar02(m) {
    assert.throws(() => m.cseq, (e: unknown) => e instanceof SipParseError && e.code === 'E_CSEQ');
    assert.throws(() => m.maxForwards, (e: unknown) => e instanceof SipParseError && e.code === 'E_MAX_FORWARDS_RANGE');
    assert.equal(contactList(m)[0].expires, undefined);
  },
  baddate(m) {
    assert.equal(m.value(m.header('date')!), 'Fri, 01 Jan 2010 16:00:00 EST');
  },
  unkscm(m) {
    assert.equal(m.uri.scheme, 'nobodyknowsthisscheme');
    assert.equal(m.uri.opaque, 'totallyopaquecontent');
  },
  novelsc(m) {
    assert.equal(m.uri.scheme, 'soap.beep');
  },
  unksm2(m) {
    assert.equal(parseUri(m.to.uri).scheme, 'isbn');
    assert.equal(parseUri(m.from.uri).scheme, 'http');
    assert.equal(parseUri(contactList(m)[0].uri).scheme, 'name');
  },
  bext01(m) {
    assert.deepEqual(checkRequest(m)?.headers, ['Unsupported: noProxiesSupportThis, norDoAnyProxiesSupportThis']);
  },
  regaut01(m) {
    assert.equal(m.value(m.header('authorization')!), 'NoOneKnowsThisScheme opaque-data=here');
  },
  bcast(m) {
    assert.equal(m.vias[1].host, '255.255.255.255');
  },
  zeromf(m) {
    assert.equal(m.maxForwards, 0);
  },
  cparam01(m) {
    const [c] = contactList(m);
    assert.equal(c.bracketed, false);
    assert.deepEqual(c.params.map((p) => p.name), ['unknownparam']);
    assert.equal(uriParam(parseUri(c.uri), 'unknownparam'), undefined);
  },
  cparam02(m) {
    const [c] = contactList(m);
    assert.equal(c.bracketed, true);
    assert.deepEqual(c.params, []);
    assert.equal(uriParam(parseUri(c.uri), 'unknownparam'), null);
  },
  regescrt(m) {
    assert.equal(parseUri(contactList(m)[0].uri).headers, 'Route=%3Csip:sip.example.com%3E');
  },
  inv2543(m, buf) {
    assert.equal(m.contentLength, undefined);
    assert.equal(m.maxForwards, undefined);
    assert.equal(m.via1.branch, undefined);
    assert.equal(m.from.tag, undefined);
    assert.equal(m.body.length, buf.length - m.bodyStart);
    assert.ok(m.body.toString().startsWith('v=0\r\n'));
  },
};

describe('RFC 4475 torture messages', () => {
  it('there is one expectation per fixture, and 49 of them', () => {
    const files = readdirSync(new URL('../../../test/fixtures/rfc4475/', import.meta.url))
      .filter((f) => f.endsWith('.sip'))
      .map((f) => f.slice(0, -4))
      .sort();
    assert.deepEqual(EXPECTATIONS.map((e) => e.name).sort(), files);
    assert.equal(files.length, 49);
  });

  for (const exp of EXPECTATIONS) {
    it(`${exp.name} (§${exp.section}): ${exp.verdict}${exp.status ? ' ' + exp.status : ''}`, () => {
      const buf = fixture(exp.name);
      const o = outcome(buf);
      assert.equal(o.verdict, exp.verdict, `${exp.name}: ${o.code ?? ''} ${o.error?.message ?? ''}`);
      assert.equal(o.status, exp.status);
      if (o.msg && FACTS[exp.name]) FACTS[exp.name](o.msg, buf);

      // The same bytes on a TCP connection.
      const f = frameStream(buf, 0, 65536);
      assert.equal(f.kind, exp.stream ?? 'message', exp.name);
      if (f.kind === 'message') {
        const framed = buf.subarray(f.start, f.end);
        const s = outcome(framed, 'stream');
        assert.equal(s.verdict, exp.verdict);
        assert.equal(s.status, exp.status);
      }
    });
  }

  it('a framing error still yields the head, for a stateless 400 (clerr, ncl, mcl01)', () => {
    for (const name of ['clerr', 'ncl', 'mcl01']) {
      const o = outcome(fixture(name));
      assert.equal(o.error?.code, 'E_CONTENT_LENGTH');
      const p = o.error?.partial;
      assert.ok(p, name);
      assert.ok(p.via1.branch, name);
      assert.ok(p.callId, name);
      assert.ok(p.cseq.seq >= 0, name);
    }
  });
});
