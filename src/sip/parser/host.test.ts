import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SipParseError } from './errors.js';
import { isHost, isIPv4, isIPv6, parsePort } from './host.js';

const all = (f: (s: Uint8Array, a: number, b: number) => boolean, s: string) => f(Buffer.from(s, 'latin1'), 0, s.length);

describe('host (RFC 3261 §25.1)', () => {
  it('IPv4address', () => {
    assert.ok(all(isIPv4, '0.0.0.0'));
    assert.ok(all(isIPv4, '255.255.255.255'));
    assert.ok(!all(isIPv4, '256.1.1.1'));
    assert.ok(!all(isIPv4, '1.1.1'));
    assert.ok(!all(isIPv4, '1.1.1.1.1'));
    assert.ok(!all(isIPv4, '1..1.1'));
    assert.ok(!all(isIPv4, '1234.1.1.1'));
  });
  it('IPv6address', () => {
    for (const ok of ['::', '::1', '2001:db8::1', '1:2:3:4:5:6:7:8', 'fe80::', '::ffff:192.0.2.1', '1:2:3:4:5:6:1.2.3.4']) assert.ok(all(isIPv6, ok), ok);
    for (const no of [':', '1:2:3:4:5:6:7', '1:2:3:4:5:6:7:8:9', '1::2::3', '12345::', ':1::', '1:', 'g::1', '1:2:3:4:5:6:7:1.2.3.4']) assert.ok(!all(isIPv6, no), no);
  });
  it('hostname, IPv4 and IPv6 references', () => {
    for (const ok of ['example.com', 'example.com.', 'a', 'x-1.y', '[::1]', '192.0.2.1', 'sip_srv.example.com']) assert.ok(all(isHost, ok), ok);
    for (const no of ['', '.', '-a.com', 'a-.com', 'a..b', 'example.1com', '[::1', '::1', 'a b', '[]']) assert.ok(!all(isHost, no), no);
  });
  it('port = 1*DIGIT, 0..65535', () => {
    const b = (s: string) => Buffer.from(s, 'latin1');
    assert.equal(parsePort(b('5060'), 0, 4, 'E'), 5060);
    assert.equal(parsePort(b('00080'), 0, 5, 'E'), 80);
    assert.throws(() => parsePort(b('65536'), 0, 5, 'E'), SipParseError);
    assert.throws(() => parsePort(b(''), 0, 0, 'E'), SipParseError);
    assert.throws(() => parsePort(b('99999999999'), 0, 11, 'E'), SipParseError);
  });
});
