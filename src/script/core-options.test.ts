import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseListen } from './core-options.js';

test('listen: [proto:]address[:port], names resolved later', () => {
  assert.deepEqual(parseListen('192.168.2.16'), { proto: undefined, host: '192.168.2.16', port: undefined });
  assert.deepEqual(parseListen('udp:10.0.0.1:5070'), { proto: 'udp', host: '10.0.0.1', port: 5070 });
  assert.deepEqual(parseListen('tcp:[::1]:5060'), { proto: 'tcp', host: '::1', port: 5060 });
  assert.deepEqual(parseListen('::1'), { proto: undefined, host: '::1' });
  assert.deepEqual(parseListen('Sip.Example.COM'), { proto: undefined, host: 'sip.example.com', port: undefined });
});

test('listen: what cannot be an address says why', () => {
  assert.equal(parseListen('udp:127.0.0.1:99999'), "bad port 99999 in 'udp:127.0.0.1:99999'");
  assert.equal(parseListen('tls:1.2.3.4'), 'the tls transport is not supported (use udp or tcp)');
  assert.equal(parseListen('[fe80::zz]'), "'[fe80::zz]' is not an IPv6 address");
  assert.equal(parseListen('bad_name'), "'bad_name' is not an address or a host name");
  // RFC 1123 §2.1: digits and dots are an IPv4 address or a mistake, never a name to resolve
  assert.equal(parseListen('999.1.1.1'), "'999.1.1.1' is not an IPv4 address: four numbers 0-255");
  assert.equal(parseListen('10.0.0:5060'), "'10.0.0' is not an IPv4 address: four numbers 0-255");
});
