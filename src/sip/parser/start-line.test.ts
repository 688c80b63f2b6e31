import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SipParseError } from './errors.js';
import { parseStartLine } from './start-line.js';

const line = (s: string) => parseStartLine(s, Buffer.from(s, 'latin1'), 0, s.length);
const code = (s: string) => {
  try {
    line(s);
  } catch (e) {
    assert.ok(e instanceof SipParseError);
    return `${e.code} ${e.status}`;
  }
  return 'ok';
};

describe('Request-Line (RFC 3261 §7.1)', () => {
  it('method, Request-URI offsets, version', () => {
    const s = 'INVITE sip:bob@biloxi.com SIP/2.0';
    const l = line(s);
    assert.equal(l.isRequest, true);
    assert.equal(l.method, 'INVITE');
    assert.equal(s.slice(l.ruriStart, l.ruriEnd), 'sip:bob@biloxi.com');
    assert.equal(l.version, 'SIP/2.0');
    assert.equal(l.strict, true);
  });
  it('any token is a method (RFC 4475 intmeth, esc02)', () => {
    assert.equal(line("!interesting-Method0123456789_*+`.%indeed'~ sip:x@y SIP/2.0").method, "!interesting-Method0123456789_*+`.%indeed'~");
    assert.equal(line('RE%47IST%45R sip:registrar.example.com SIP/2.0').method, 'RE%47IST%45R');
  });
  it('a URI with LWS stays one (bad) URI (RFC 4475 lwsruri)', () => {
    const s = 'INVITE sip:user@example.com; lr SIP/2.0';
    const l = line(s);
    assert.equal(s.slice(l.ruriStart, l.ruriEnd), 'sip:user@example.com; lr');
    assert.equal(l.strict, true);
  });
  it('extra SP is read but marked (RFC 4475 lwsstart, trws)', () => {
    let s = 'INVITE  sip:user@example.com  SIP/2.0';
    let l = line(s);
    assert.equal(s.slice(l.ruriStart, l.ruriEnd), 'sip:user@example.com');
    assert.equal(l.strict, false);
    s = 'OPTIONS sip:remote-target@example.com SIP/2.0  ';
    l = line(s);
    assert.equal(s.slice(l.ruriStart, l.ruriEnd), 'sip:remote-target@example.com');
    assert.equal(l.version, 'SIP/2.0');
    assert.equal(l.strict, false);
  });
  it('other SIP versions parse; the validator answers 505 (RFC 4475 badvers)', () => {
    assert.equal(line('OPTIONS sip:t.watson@example.org SIP/7.0').version, 'SIP/7.0');
    assert.equal(line('OPTIONS sip:t.watson@example.org sip/2.0').version, 'sip/2.0');
  });
  it('refuses malformed lines', () => {
    assert.equal(code('OPTIONS sip:x@y HTTP/1.1'), 'E_VERSION 505');
    assert.equal(code('OPTIONS sip:x@y SIP/2'), 'E_VERSION 505');
    assert.equal(code('OPTIONS sip:x@y'), 'E_FIRST_LINE 400');
    assert.equal(code('OPTIONS'), 'E_FIRST_LINE 400');
    assert.equal(code(''), 'E_FIRST_LINE 400');
    assert.equal(code(' OPTIONS sip:x@y SIP/2.0'), 'E_FIRST_LINE 400');
    assert.equal(code('OPT:IONS sip:x@y SIP/2.0'), 'E_FIRST_LINE 400');
    assert.equal(code('OPTIONS    SIP/2.0'), 'E_FIRST_LINE 400');
  });
});

describe('Status-Line (RFC 3261 §7.2)', () => {
  it('code and reason', () => {
    const l = line('SIP/2.0 180 Ringing');
    assert.equal(l.isRequest, false);
    assert.equal(l.status, 180);
    assert.equal(l.reason, 'Ringing');
    assert.equal(l.method, '');
  });
  it('an empty reason, with or without the SP (RFC 4475 noreason)', () => {
    assert.equal(line('SIP/2.0 100 ').reason, '');
    assert.equal(line('SIP/2.0 100').status, 100);
  });
  it('UTF-8 reason phrase kept as bytes (RFC 4475 unreason)', () => {
    assert.equal(line('SIP/2.0 200 = 2**3 * 5**2 \xd0\xbd\xd0\xbe').reason, '= 2**3 * 5**2 \xd0\xbd\xd0\xbe');
  });
  it('an overlarge code is read so that the response can be dropped (RFC 4475 bigcode)', () => {
    assert.equal(line('SIP/2.0 4294967301 better not break the receiver').status, 4294967301);
    assert.equal(code('SIP/2.0 42949673010 x'), 'E_FIRST_LINE 400');
  });
  it('refuses malformed lines', () => {
    for (const s of ['SIP/2.0', 'SIP/2.0 ', 'SIP/2.0 abc OK', 'SIP/2.0 200OK', 'SIP/x 200 OK', 'SIP/2.0  200 OK']) assert.equal(code(s), 'E_FIRST_LINE 400', s);
  });
});
