import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IpNet, bytesToIp, formatHostPort, ipEquals, ipFamily, ipToBytes, isBroadcast, normalizeIp } from './ip.js';

test('ipFamily: IPv4, IPv6, brackets and non-literals', () => {
  const table: Array<[string, 0 | 4 | 6]> = [
    ['1.2.3.4', 4],
    ['0.0.0.0', 4],
    ['255.255.255.255', 4],
    ['10.0.0.1', 4],
    ['::', 6],
    ['::1', 6],
    ['[::1]', 6],
    ['1::', 6],
    ['fe80::1', 6],
    ['2001:DB8::Ab:cD', 6],
    ['2001:db8:0:0:0:0:2:1', 6],
    ['1:2:3:4:5:6:7:8', 6],
    ['1:2:3:4:5:6:7::', 6],
    ['::2:3:4:5:6:7:8', 6],
    ['::ffff:1.2.3.4', 6],
    ['[::ffff:1.2.3.4]', 6],
    ['1:2:3:4:5:6:1.2.3.4', 6],
    ['::1.2.3.4', 6],
    ['0000:0000::0001', 6],
    // not IP literals
    ['', 0],
    ['1.2.3', 0],
    ['1.2.3.4.5', 0],
    ['01.2.3.4', 0],
    ['1.2.3.04', 0],
    ['1.2.3.256', 0],
    ['1.2.3.', 0],
    ['.1.2.3', 0],
    ['1..2.3', 0],
    ['1.2.3.4 ', 0],
    ['[1.2.3.4]', 0],
    ['a.b.c.d', 0],
    ['example.com', 0],
    [':', 0],
    [':::', 0],
    ['1:::2', 0],
    ['1::2::3', 0],
    [':1::2', 0],
    ['1::2:', 0],
    ['1:2:3:4:5:6:7:8:9', 0],
    ['1:2:3:4:5:6:7', 0],
    ['1:2:3:4:5:6:7:8::', 0],
    ['::1:2:3:4:5:6:7:8', 0],
    ['12345::1', 0],
    ['g::1', 0],
    ['fe80::1%eth0', 0],
    ['[::1', 0],
    ['::1]', 0],
    ['[]', 0],
    ['1:2:3:4:5:6:7:1.2.3.4', 0],
    ['::1.2.3', 0],
    ['::01.2.3.4', 0],
    ['::1.2.3.4:5', 0],
  ];
  for (const [text, fam] of table) assert.equal(ipFamily(text), fam, JSON.stringify(text));
});

test('normalizeIp: RFC 5952 canonical text', () => {
  const table: Array<[string, string | undefined]> = [
    ['1.2.3.4', '1.2.3.4'],
    ['::', '::'],
    ['[::1]', '::1'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['0000:0000::0001', '::1'],
    ['2001:DB8::AB:CD', '2001:db8::ab:cd'],
    ['2001:0db8:0000:0000:0000:0000:0002:0001', '2001:db8::2:1'],
    // §4.2.2: a single zero group is not compressed
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    // §4.2.3: the longest run is compressed, the first on a tie
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['1:0:0:0:0:0:0:0', '1::'],
    ['1:2:3:4:5:6:7::', '1:2:3:4:5:6:7:0'],
    ['::2:3:4:5:6:7:8', '0:2:3:4:5:6:7:8'],
    // §5: IPv4-mapped keeps the dotted tail, and stays IPv6
    ['::ffff:1.2.3.4', '::ffff:1.2.3.4'],
    ['::FFFF:0102:0304', '::ffff:1.2.3.4'],
    ['0:0:0:0:0:ffff:10.0.0.1', '::ffff:10.0.0.1'],
    // other embedded IPv4 forms are written in hex
    ['::1.2.3.4', '::102:304'],
    ['64:ff9b::192.0.2.33', '64:ff9b::c000:221'],
    ['1.2.3', undefined],
    ['[1.2.3.4]', undefined],
    ['host', undefined],
  ];
  for (const [text, want] of table) assert.equal(normalizeIp(text), want, JSON.stringify(text));
});

test('ipToBytes / bytesToIp', () => {
  assert.deepEqual(ipToBytes('192.168.1.2'), Uint8Array.of(192, 168, 1, 2));
  assert.deepEqual(ipToBytes('255.255.255.255'), Uint8Array.of(255, 255, 255, 255));
  assert.deepEqual(ipToBytes('[::1]'), Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1));
  assert.deepEqual(ipToBytes('::ffff:1.2.3.4'), Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 1, 2, 3, 4));
  assert.deepEqual(ipToBytes('2001:db8::ff01'), Uint8Array.of(0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0x01));
  assert.equal(ipToBytes('1.2.3'), undefined);
  assert.equal(ipToBytes('nope'), undefined);
  assert.equal(bytesToIp(Uint8Array.of(10, 0, 0, 255)), '10.0.0.255');
  assert.equal(bytesToIp(ipToBytes('2001:db8:0:0:1::1')!), '2001:db8::1:0:0:1');
  assert.equal(bytesToIp(ipToBytes('::ffff:1.2.3.4')!), '::ffff:1.2.3.4');
  assert.equal(bytesToIp(Uint8Array.of(1, 2, 3)), undefined);
  // round trip
  for (const ip of ['0.0.0.0', '1.2.3.4', '::', '::1', 'fe80::1:2', '1:2:3:4:5:6:7:8']) {
    assert.equal(bytesToIp(ipToBytes(ip)!), normalizeIp(ip));
  }
});

test('ipEquals compares canonical forms and never crosses families', () => {
  assert.ok(ipEquals('1.2.3.4', '1.2.3.4'));
  assert.ok(ipEquals('::1', '[::1]'));
  assert.ok(ipEquals('0:0::1', '::0001'));
  assert.ok(ipEquals('2001:DB8::1', '2001:db8:0:0:0:0:0:1'));
  assert.ok(!ipEquals('1.2.3.4', '1.2.3.5'));
  assert.ok(!ipEquals('::ffff:1.2.3.4', '1.2.3.4'));
  assert.ok(!ipEquals('host', 'host'));
  assert.ok(!ipEquals('01.2.3.4', '1.2.3.4'));
  assert.ok(!ipEquals('', ''));
});

test('formatHostPort brackets IPv6 only', () => {
  assert.equal(formatHostPort('1.2.3.4', 5060), '1.2.3.4:5060');
  assert.equal(formatHostPort('::1', 5060), '[::1]:5060');
  assert.equal(formatHostPort('[::1]', 5061), '[::1]:5061');
  assert.equal(formatHostPort('2001:DB8:0:0::1', 5060), '[2001:db8::1]:5060');
  assert.equal(formatHostPort('::ffff:1.2.3.4', 5060), '[::ffff:1.2.3.4]:5060');
  assert.equal(formatHostPort('sip.example.com', 5060), 'sip.example.com:5060');
});

test('isBroadcast', () => {
  assert.ok(isBroadcast('255.255.255.255'));
  assert.ok(!isBroadcast('255.255.255.254'));
  assert.ok(!isBroadcast('::ffff:255.255.255.255'));
});

test('IpNet.parse: forms, canonical toString, rejects', () => {
  const table: Array<[string, string | undefined]> = [
    ['1.2.3.4', '1.2.3.4/32'],
    ['1.2.3.4/32', '1.2.3.4/32'],
    ['10.1.2.3/8', '10.0.0.0/8'],
    ['192.168.0.0/16', '192.168.0.0/16'],
    ['0.0.0.0/0', '0.0.0.0/0'],
    ['172.16.5.4/12', '172.16.0.0/12'],
    // SER's IP/mask form
    ['192.168.1.7/255.255.255.0', '192.168.1.0/24'],
    ['10.0.0.0/255.0.0.0', '10.0.0.0/8'],
    ['10.0.0.0/0.0.0.0', '0.0.0.0/0'],
    ['10.1.2.3/255.0.255.0', '10.0.2.0/255.0.255.0'],
    ['::1', '::1/128'],
    ['[::1]', '::1/128'],
    ['2001:db8::1/32', '2001:db8::/32'],
    ['[2001:DB8::1]/64', '2001:db8::/64'],
    ['fe80::1234/10', 'fe80::/10'],
    ['::/0', '::/0'],
    ['2001:db8::/ffff:ffff::', '2001:db8::/32'],
    ['::ffff:10.0.0.0/104', '::ffff:10.0.0.0/104'],
    // bad
    ['', undefined],
    ['1.2.3.4/', undefined],
    ['1.2.3.4/33', undefined],
    ['1.2.3.4/-1', undefined],
    ['1.2.3.4/a', undefined],
    ['1.2.3.4/1234', undefined],
    ['1.2.3/24', undefined],
    ['1.2.3.4/255.255.255', undefined],
    ['1.2.3.4/::', undefined],
    ['[1.2.3.4]/8', undefined],
    ['::1/129', undefined],
    ['::1/', undefined],
    ['[::1/64', undefined],
    ['::1/1.2.3.4', undefined],
    ['host/24', undefined],
  ];
  for (const [text, want] of table) assert.equal(IpNet.parse(text)?.toString(), want, JSON.stringify(text));
  const n = IpNet.parse('10.1.2.3/255.0.255.0')!;
  assert.equal(n.prefixLength, undefined);
  assert.equal(n.address, '10.0.2.0');
  assert.equal(IpNet.parse('10.0.0.0/8')!.prefixLength, 8);
  assert.equal(IpNet.parse('2001:db8::/48')!.family, 6);
  assert.equal(IpNet.parse('10.0.0.0/8')!.family, 4);
});

test('IpNet.contains', () => {
  const cases: Array<[string, string, boolean]> = [
    ['10.0.0.0/8', '10.255.1.2', true],
    ['10.0.0.0/8', '11.0.0.0', false],
    ['10.0.0.0/8', '9.255.255.255', false],
    ['192.168.1.0/24', '192.168.1.255', true],
    ['192.168.1.0/24', '192.168.2.1', false],
    ['192.168.1.0/255.255.255.0', '192.168.1.9', true],
    ['1.2.3.4', '1.2.3.4', true],
    ['1.2.3.4', '1.2.3.5', false],
    ['0.0.0.0/0', '255.255.255.255', true],
    ['128.0.0.0/1', '200.1.1.1', true],
    ['128.0.0.0/1', '127.1.1.1', false],
    ['255.255.255.255/32', '255.255.255.255', true],
    ['10.1.2.3/255.0.255.0', '10.9.2.200', true],
    ['10.1.2.3/255.0.255.0', '10.9.3.200', false],
    // across families: always false
    ['0.0.0.0/0', '::1', false],
    ['::/0', '1.2.3.4', false],
    ['10.0.0.0/8', '::ffff:10.0.0.1', false],
    ['::/0', '::', true],
    ['2001:db8::/32', '2001:db8:ffff::1', true],
    ['2001:db8::/32', '[2001:DB8::1]', true],
    ['2001:db8::/32', '2001:db9::1', false],
    ['fe80::/10', 'febf::1', true],
    ['fe80::/10', 'fec0::1', false],
    ['::1', '0:0:0:0:0:0:0:1', true],
    ['::1/128', '::2', false],
    ['::ffff:10.0.0.0/104', '::ffff:10.20.30.40', true],
    ['::ffff:10.0.0.0/104', '::ffff:11.0.0.1', false],
    // junk
    ['10.0.0.0/8', 'ten', false],
    ['10.0.0.0/8', '010.0.0.1', false],
    ['10.0.0.0/8', '[10.0.0.1]', false],
    ['::/0', 'x::', false],
    ['::/0', '', false],
  ];
  for (const [net, ip, want] of cases) {
    assert.equal(IpNet.parse(net)!.contains(ip), want, `${net} contains ${ip}`);
  }
});
