import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SipParseError } from './errors.js';
import { msgOf, request } from './test-util.js';

function vias(...lines: string[]) {
  return request(lines.map((l) => 'Via: ' + l)).vias.slice(1);
}

function badVia(value: string): void {
  const m = request(['Via: ' + value]);
  assert.throws(() => m.vias, (e: unknown) => e instanceof SipParseError && e.code === 'E_VIA', value);
}

describe('Via (RFC 3261 §20.42)', () => {
  it('parses sent-protocol, sent-by and the well-known params', () => {
    const [v] = vias('SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776asdhds;received=192.0.2.99;rport=5070;maddr=224.2.0.1;ttl=16;x=y');
    assert.equal(v.protocol, 'SIP/2.0');
    assert.equal(v.transport, 'UDP');
    assert.equal(v.host, '192.0.2.1');
    assert.equal(v.port, 5060);
    assert.equal(v.branch, 'z9hG4bK776asdhds');
    assert.equal(v.received, '192.0.2.99');
    assert.equal(v.rport, '5070');
    assert.equal(v.maddr, '224.2.0.1');
    assert.equal(v.ttl, 16);
    assert.deepEqual(
      v.params.map((p) => [p.name, p.value]),
      [['branch', 'z9hG4bK776asdhds'], ['received', '192.0.2.99'], ['rport', '5070'], ['maddr', '224.2.0.1'], ['ttl', '16'], ['x', 'y']],
    );
  });

  it('rport without value is null, absent is undefined (RFC 3581)', () => {
    const [a, b] = vias('SIP/2.0/UDP h.example;rport;branch=z9hG4bK1', 'SIP/2.0/UDP h.example;branch=z9hG4bK2');
    assert.equal(a.rport, null);
    assert.equal(b.rport, undefined);
    assert.equal(b.port, undefined);
  });

  it('upper-cases the transport, keeps unknown ones (RFC 4475 transports)', () => {
    const v = vias('SIP/2.0/tcp a.example', 'SIP/2.0/Sctp b.example', 'SIP/2.0/UNKNOWN c.example', 'sip/2.0/tls d.example');
    assert.deepEqual(v.map((x) => x.transport), ['TCP', 'SCTP', 'UNKNOWN', 'TLS']);
    assert.equal(v[3].protocol, 'SIP/2.0');
  });

  it('keeps another protocol version as written (RFC 4475 badvers)', () => {
    assert.equal(vias('SIP/7.0/UDP c.example.com')[0].protocol, 'SIP/7.0');
  });

  it('splits comma lists and several fields, in order, with offsets', () => {
    const m = request(['Via: SIP/2.0/UDP a.example;branch=z9hG4bK1 , SIP/2.0/TCP [2001:db8::1]:5061;branch=z9hG4bK2', 'v: SIP/2.0/TLS c.example']);
    const v = m.vias;
    assert.deepEqual(v.map((x) => x.host), ['pc33.atlanta.example.com', 'a.example', '[2001:db8::1]', 'c.example']);
    assert.equal(v[2].port, 5061);
    assert.equal(m.head.slice(v[1].start, v[1].end), 'SIP/2.0/UDP a.example;branch=z9hG4bK1');
    assert.equal(m.head.slice(v[2].start, v[2].end), 'SIP/2.0/TCP [2001:db8::1]:5061;branch=z9hG4bK2');
    assert.equal(v[1].header, v[2].header);
    assert.notEqual(v[1].header, v[3].header);
    assert.equal(m.via1.host, 'pc33.atlanta.example.com');
  });

  it('via1 parses the first field alone, and vias reuses it', () => {
    const m = request(['Via: SIP/2.0/UDP a.example;;bad']);
    assert.equal(m.via1.host, 'pc33.atlanta.example.com');
    assert.throws(() => m.vias, SipParseError);
    const ok = request(['Via: SIP/2.0/UDP a.example']);
    const first = ok.via1;
    assert.equal(ok.vias[0], first);
  });

  it('accepts LWS and folding anywhere LWS is allowed (RFC 4475 wsinv)', () => {
    const m = msgOf([
      'OPTIONS sip:x@example.com SIP/2.0',
      'Via  : SIP  /   2.0',
      ' /UDP',
      '    192.0.2.2;branch=390skdjuw',
      'v:  SIP  / 2.0  / TCP     spindle.example.com   ;',
      '  branch  =   z9hG4bK9ikj8  ,',
      ' SIP  /    2.0   / UDP  192.168.255.111   ; branch=',
      ' z9hG4bK30239',
    ]);
    const v = m.vias;
    assert.deepEqual(v.map((x) => [x.protocol, x.transport, x.host, x.branch]), [
      ['SIP/2.0', 'UDP', '192.0.2.2', '390skdjuw'],
      ['SIP/2.0', 'TCP', 'spindle.example.com', 'z9hG4bK9ikj8'],
      ['SIP/2.0', 'UDP', '192.168.255.111', 'z9hG4bK30239'],
    ]);
  });

  it('accepts an empty branch (RFC 4475 badbranch) and a port with spaces around the colon', () => {
    assert.equal(vias('SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK')[0].branch, 'z9hG4bK');
    assert.equal(vias('SIP/2.0/UDP h.example : 5062')[0].port, 5062);
    assert.equal(vias('SIP/2.0/UDP h.example;branch')[0].branch, '');
  });

  it('refuses malformed values (RFC 4475 badinv01 and friends)', () => {
    badVia('SIP/2.0/UDP 192.0.2.15;;,;,,');
    badVia('SIP/2.0/UDP h.example,');
    badVia('SIP/2.0/UDP h.example, ,SIP/2.0/UDP x.example');
    badVia('SIP/2.0/UDP');
    badVia('SIP/2.0 h.example');
    badVia('SIP/2.0/UDPh.example');
    badVia('SIP/2.0/UDP h.example:99999');
    badVia('SIP/2.0/UDP h.example:');
    badVia('SIP/2.0/UDP h..example');
    badVia('SIP/2.0/UDP h.example;ttl=256');
    badVia('SIP/2.0/UDP h.example;ttl=x');
    badVia('SIP/2.0/UDP h.example;branch=');
    badVia('SIP/2.0/UDP h.example garbage');
    badVia('');
  });

  it('throws when there is no Via', () => {
    const m = msgOf(['OPTIONS sip:x@example.com SIP/2.0', 'Call-ID: x']);
    assert.deepEqual(m.vias, []);
    assert.throws(() => m.via1, (e: unknown) => e instanceof SipParseError && e.code === 'E_VIA');
  });
});
