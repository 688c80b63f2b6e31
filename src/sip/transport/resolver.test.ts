import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile, utimes, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Resolver, ResolveError, normalizeHostName, orderSrv, type ResolverOptions, type SrvRecord } from './resolver.js';
import { startFakeDns, reverseName, type FakeDns } from '../../../test/dns/fake-dns-server.js';

let dns: FakeDns;
let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ser-resolver-'));
  dns = await startFakeDns({
    'a.example': { A: ['127.0.0.2', { address: '127.0.0.3', ttl: 5 }], AAAA: ['::2'], ttl: 60 },
    'v4only.example': { A: ['127.0.0.4'] },
    'v6only.example': { AAAA: ['::6'] },
    // SRV: priority 5 first; inside priority 10 the order depends on the weights
    '_sip._udp.srv.example': {
      SRV: [
        { priority: 10, weight: 60, port: 5062, target: 'b.srv.example' },
        { priority: 20, weight: 0, port: 5064, target: 'd.srv.example' },
        { priority: 5, weight: 0, port: 5060, target: 'a.srv.example' },
        { priority: 10, weight: 40, port: 5063, target: 'c.srv.example' },
      ],
    },
    '_sip._tcp.srv.example': { SRV: [{ priority: 1, weight: 1, port: 5070, target: 'a.srv.example' }] },
    '_sips._tcp.srv.example': { SRV: [{ priority: 1, weight: 1, port: 5071, target: 'a.srv.example' }] },
    'srv.example': { A: ['127.0.1.99'] },
    'a.srv.example': { A: ['127.0.1.1'] },
    'b.srv.example': { A: ['127.0.1.2'] },
    'c.srv.example': { A: ['127.0.1.3'], AAAA: ['::1:3'] },
    'd.srv.example': { A: ['127.0.1.4'] },
    // one SRV target does not resolve: it is skipped
    '_sip._udp.partial.example': {
      SRV: [
        { priority: 1, weight: 0, port: 5060, target: 'gone.partial.example' },
        { priority: 2, weight: 0, port: 5061, target: 'a.srv.example' },
      ],
    },
    // RFC 2782: Target "." = service decidedly not available
    '_sip._udp.nosip.example': { SRV: [{ priority: 0, weight: 0, port: 0, target: '.' }] },
    'nosip.example': { A: ['127.0.0.8'] },
    // no SRV at all: the name exists but _sip._udp.plain.example does not
    'plain.example': { A: ['127.0.0.5'] },
    // SRV query never answered: falls back to A after the timeout
    '_sip._udp.srvsilent.example': { silent: true },
    'srvsilent.example': { A: ['127.0.0.9'] },
    'silent.example': { silent: true },
    'fail.example': { rcode: 'SERVFAIL' },
    'slow.example': { A: ['127.0.0.10'], delayMs: 60 },
    'e1.example': { A: ['127.0.2.1'] },
    'e2.example': { A: ['127.0.2.2'] },
    'e3.example': { A: ['127.0.2.3'] },
    [reverseName('127.0.0.2')]: { PTR: ['a.example'] },
    [reverseName('::2')]: { PTR: ['A.Example.'] },
  });
});

after(async () => {
  await dns.close();
  await rm(dir, { recursive: true, force: true });
});

/** A resolver on the fake server with a fake clock; closed when the test ends. */
function make(t: { after(fn: () => void): void }, opts: ResolverOptions = {}) {
  const clock = { ms: 1_000_000 };
  const r = new Resolver({ servers: [dns.server], hostsFile: '', timeoutMs: 150, tries: 1, now: () => clock.ms, ...opts });
  t.after(() => r.close());
  return { r, clock };
}

async function rejectsWith(p: Promise<unknown>, code: string): Promise<ResolveError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ResolveError, `expected ResolveError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    return err;
  }
  assert.fail(`expected ${code}, got success`);
}

const ips = (targets: Array<{ ip: string }>) => targets.map((t) => t.ip);

test('IP literals resolve to themselves without DNS', async (t) => {
  const { r } = make(t);
  const sent0 = dns.queries.length;
  assert.deepEqual(await r.resolve('127.0.0.1', undefined, 'udp'), [{ ip: '127.0.0.1', port: 5060, family: 4, transport: 'udp' }]);
  assert.deepEqual(await r.resolve('[0:0::1]', 5070, 'tcp'), [{ ip: '::1', port: 5070, family: 6, transport: 'tcp' }]);
  assert.deepEqual(await r.resolve('::1', undefined, 'tls'), [{ ip: '::1', port: 5061, family: 6, transport: 'tls' }]);
  // SIPS over tcp means TLS (RFC 3263 §4.1), default port 5061
  assert.deepEqual(await r.resolve('10.0.0.1', undefined, 'tcp', true), [{ ip: '10.0.0.1', port: 5061, family: 4, transport: 'tls' }]);
  // port 0 = no port (SER's convention)
  assert.equal((await r.resolve('10.0.0.1', 0, 'udp'))[0]!.port, 5060);
  assert.deepEqual(await r.lookupHost('[::FFFF:1.2.3.4]'), ['::ffff:1.2.3.4']);
  assert.equal(dns.queries.length, sent0);
  assert.equal(r.stats.queries, 0);
});

test('syntactically invalid names and ports are rejected before any query', async (t) => {
  const { r } = make(t);
  const sent0 = dns.queries.length;
  const bad = ['', '.', 'a..example', '-a.example', 'a-.example', 'a_b.example', '1.2.3', '01.2.3.4', 'example.123', 'ex ample.com', 'é.example', `${'x'.repeat(64)}.example`, `${'abc.'.repeat(63)}com`, 'a.example:5060', '[a.example]'];
  for (const name of bad) {
    // never throws synchronously: always a promise
    const p = r.resolve(name, undefined, 'udp');
    assert.ok(p instanceof Promise);
    await rejectsWith(p, 'EBADNAME');
    await rejectsWith(r.lookupHost(name), 'EBADNAME');
  }
  await rejectsWith(r.resolve('a.example', 70000, 'udp'), 'EBADPORT');
  await rejectsWith(r.resolve('a.example', -1, 'udp'), 'EBADPORT');
  assert.equal(dns.queries.length, sent0);
  assert.equal(normalizeHostName('Sip.Example.COM.'), 'sip.example.com');
  assert.equal(normalizeHostName('localhost'), 'localhost');
  assert.equal(normalizeHostName('a-b.c0.example'), 'a-b.c0.example');
  assert.equal(normalizeHostName('x'), 'x');
  assert.equal(normalizeHostName('1x.example'), '1x.example');
});

test('A/AAAA with an explicit port; order, case-insensitivity, preferIPv6, ipv6 off', async (t) => {
  const { r } = make(t);
  assert.deepEqual(await r.resolve('a.example', 5080, 'udp'), [
    { ip: '127.0.0.2', port: 5080, family: 4, transport: 'udp' },
    { ip: '127.0.0.3', port: 5080, family: 4, transport: 'udp' },
    { ip: '::2', port: 5080, family: 6, transport: 'udp' },
  ]);
  assert.equal(dns.count('a.example', 'A'), 1);
  assert.equal(dns.count('a.example', 'AAAA'), 1);
  assert.equal(dns.count('_sip._udp.a.example'), 0); // explicit port: no SRV (RFC 3263 §4.2)
  // same name, other spelling: served from the cache
  assert.deepEqual(await r.lookupHost('A.EXAMPLE.'), ['127.0.0.2', '127.0.0.3', '::2']);
  assert.equal(dns.count('a.example'), 2);
  // one family missing is fine
  assert.deepEqual(ips(await r.resolve('v4only.example', 5060, 'udp')), ['127.0.0.4']);
  assert.deepEqual(ips(await r.resolve('v6only.example', 5060, 'udp')), ['::6']);

  const { r: r6 } = make(t, { preferIPv6: true });
  assert.deepEqual(await r6.lookupHost('a.example'), ['::2', '127.0.0.2', '127.0.0.3']);

  const { r: r4 } = make(t, { ipv6: false });
  const aaaaBefore = dns.count('v4only.example', 'AAAA');
  assert.deepEqual(await r4.lookupHost('v4only.example'), ['127.0.0.4']);
  assert.equal(dns.count('v4only.example', 'AAAA'), aaaaBefore);
  await rejectsWith(r4.lookupHost('v6only.example'), 'ENOTFOUND');
});

test('SRV: priority order, RFC 2782 weights, per-transport service names', async (t) => {
  // random() = 0: in priority 10, b (weight 60) is picked first
  const { r } = make(t, { random: () => 0 });
  const targets = await r.resolve('srv.example', undefined, 'udp');
  assert.deepEqual(
    targets.map((x) => `${x.ip} ${x.port}`),
    ['127.0.1.1 5060', '127.0.1.2 5062', '127.0.1.3 5063', '::1:3 5063', '127.0.1.4 5064'],
  );
  assert.ok(targets.every((x) => x.transport === 'udp'));
  assert.equal(dns.count('srv.example', 'A'), 0); // SRV found: the domain's own A is not used

  // random() close to 1: c (weight 40) wins the first draw in priority 10
  const { r: r2 } = make(t, { random: () => 0.999 });
  assert.deepEqual(
    (await r2.resolve('srv.example', undefined, 'udp')).map((x) => x.port),
    [5060, 5063, 5063, 5062, 5064],
  );

  const tcp = await r.resolve('srv.example', undefined, 'tcp');
  assert.deepEqual(tcp, [{ ip: '127.0.1.1', port: 5070, family: 4, transport: 'tcp' }]);
  const tls = await r.resolve('srv.example', undefined, 'tcp', true);
  assert.deepEqual(tls, [{ ip: '127.0.1.1', port: 5071, family: 4, transport: 'tls' }]);
  assert.equal(dns.count('_sip._tcp.srv.example', 'SRV'), 1);
  assert.equal(dns.count('_sips._tcp.srv.example', 'SRV'), 1);
});

test('orderSrv: zero weights first, then proportional to weight', () => {
  // deterministic PRNG (mulberry32)
  let seed = 42;
  const random = () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
  const recs: SrvRecord[] = [
    { name: 'light', port: 1, priority: 1, weight: 1 },
    { name: 'heavy', port: 2, priority: 1, weight: 3 },
    { name: 'backup', port: 3, priority: 2, weight: 100 },
  ];
  const firsts: Record<string, number> = { light: 0, heavy: 0, backup: 0 };
  const runs = 4000;
  for (let i = 0; i < runs; i++) {
    const o = orderSrv(recs, random);
    assert.equal(o.length, 3);
    assert.equal(o[2]!.name, 'backup'); // a higher priority value always comes later
    firsts[o[0]!.name]!++;
  }
  // weights 1 and 3: light comes first a quarter of the time
  assert.ok(Math.abs(firsts.light! / runs - 1 / 4) < 0.03, `light first ${firsts.light} of ${runs}`);
  assert.equal(firsts.backup, 0);
  // zero-weight records sit at the front and win only when the draw is 0
  const z = orderSrv(
    [
      { name: 'w', port: 1, priority: 0, weight: 10 },
      { name: 'z', port: 2, priority: 0, weight: 0 },
    ],
    () => 0,
  );
  assert.deepEqual(z.map((x) => x.name), ['z', 'w']);
  const z2 = orderSrv(
    [
      { name: 'w', port: 1, priority: 0, weight: 10 },
      { name: 'z', port: 2, priority: 0, weight: 0 },
    ],
    () => 0.5,
  );
  assert.deepEqual(z2.map((x) => x.name), ['w', 'z']);
});

test('no SRV: A/AAAA of the host with 5060 (5061 secure); unresolvable SRV targets skipped; "." target', async (t) => {
  const { r } = make(t);
  assert.deepEqual(await r.resolve('plain.example', undefined, 'udp'), [{ ip: '127.0.0.5', port: 5060, family: 4, transport: 'udp' }]);
  assert.equal(dns.count('_sip._udp.plain.example', 'SRV'), 1);
  assert.deepEqual(await r.resolve('plain.example', undefined, 'tls'), [{ ip: '127.0.0.5', port: 5061, family: 4, transport: 'tls' }]);
  assert.equal(dns.count('_sips._tcp.plain.example', 'SRV'), 1);

  assert.deepEqual(await r.resolve('partial.example', undefined, 'udp'), [{ ip: '127.0.1.1', port: 5061, family: 4, transport: 'udp' }]);

  await rejectsWith(r.resolve('nosip.example', undefined, 'udp'), 'ENOTFOUND');
  assert.equal(dns.count('nosip.example', 'A'), 0);

  await rejectsWith(r.resolve('nowhere.example', undefined, 'udp'), 'ENOTFOUND');
});

test('SRV query timing out falls back to A/AAAA (bounded)', async (t) => {
  const { r } = make(t, { timeoutMs: 100 });
  const t0 = Date.now();
  assert.deepEqual(ips(await r.resolve('srvsilent.example', undefined, 'udp')), ['127.0.0.9']);
  const ms = Date.now() - t0;
  assert.ok(ms >= 90 && ms < 1000, `took ${ms} ms`);
  assert.equal(r.stats.timeouts, 1);
});

test('positive caching and TTL expiry (fake clock)', async (t) => {
  const { r, clock } = make(t);
  await r.resolve('a.example', 5060, 'udp');
  const n = dns.queries.length;
  const again = await r.resolve('a.example', 5060, 'udp');
  assert.equal(again.length, 3);
  assert.equal(dns.queries.length, n, 'second resolve sends no query');
  assert.ok(r.stats.cacheHits >= 2);

  // the A RRset lives for its smallest TTL (5 s); AAAA for 60 s
  clock.ms += 4_000;
  await r.resolve('a.example', 5060, 'udp');
  assert.equal(dns.queries.length, n);
  clock.ms += 1_500;
  await r.resolve('a.example', 5060, 'udp');
  assert.deepEqual(dns.queries.slice(n), [{ name: 'a.example', type: 'A' }]);

  // SRV answers (TTL not reported by node:dns) use defaultTtlSec, SRV target A records their own
  const { r: r2, clock: c2 } = make(t, { defaultTtlSec: 10 });
  await r2.resolve('srv.example', undefined, 'tcp');
  const m = dns.queries.length;
  c2.ms += 9_000;
  await r2.resolve('srv.example', undefined, 'tcp');
  assert.equal(dns.queries.length, m);
  c2.ms += 2_000;
  await r2.resolve('srv.example', undefined, 'tcp');
  assert.equal(dns.count('_sip._tcp.srv.example'), 3); // once per resolver + once after expiry

  // TTLs are clamped
  const { r: r3, clock: c3 } = make(t, { minTtlSec: 30 });
  await r3.lookupHost('a.example');
  const k = dns.queries.length;
  c3.ms += 20_000;
  await r3.lookupHost('a.example');
  assert.equal(dns.queries.length, k);

  r3.clearCache();
  await r3.lookupHost('a.example');
  assert.equal(dns.queries.length, k + 2);
});

test('negative caching of NXDOMAIN and server failures', async (t) => {
  const { r, clock } = make(t, { negativeTtlSec: 30 });
  await rejectsWith(r.resolve('nx.example', 5060, 'udp'), 'ENOTFOUND');
  assert.equal(dns.count('nx.example'), 2); // A + AAAA
  await rejectsWith(r.resolve('nx.example', 5060, 'udp'), 'ENOTFOUND');
  assert.equal(dns.count('nx.example'), 2);
  clock.ms += 31_000;
  await rejectsWith(r.lookupHost('nx.example'), 'ENOTFOUND');
  assert.equal(dns.count('nx.example'), 4);

  await rejectsWith(r.resolve('fail.example', 5060, 'udp'), 'ESERVFAIL');
  await rejectsWith(r.resolve('fail.example', 5060, 'udp'), 'ESERVFAIL');
  assert.equal(dns.count('fail.example'), 2);
  assert.ok(r.stats.failures >= 4);
});

test('timeouts are bounded, reported as ETIMEOUT and negatively cached', async (t) => {
  const { r } = make(t, { timeoutMs: 100, tries: 1 });
  const t0 = Date.now();
  await rejectsWith(r.resolve('silent.example', 5060, 'udp'), 'ETIMEOUT');
  const ms = Date.now() - t0;
  assert.ok(ms >= 90 && ms < 600, `took ${ms} ms`);
  assert.equal(r.stats.timeouts, 2); // A and AAAA
  const t1 = Date.now();
  await rejectsWith(r.resolve('silent.example', 5060, 'udp'), 'ETIMEOUT');
  assert.ok(Date.now() - t1 < 50, 'cached timeout answers at once');
  // reverse() never rejects
  assert.deepEqual(await r.reverse('127.0.0.250'), []);
});

test('concurrent resolutions share one in-flight query', async (t) => {
  const { r } = make(t);
  const sent0 = dns.count('slow.example');
  const all = await Promise.all([
    r.resolve('slow.example', 5060, 'udp'),
    r.resolve('SLOW.example', 5061, 'udp'),
    r.lookupHost('slow.example'),
    r.resolve('slow.example', 5062, 'tcp'),
  ]);
  assert.deepEqual(all[2], ['127.0.0.10']);
  assert.equal(all[1][0]!.port, 5061);
  assert.equal(dns.count('slow.example') - sent0, 2); // one A, one AAAA
  assert.equal(r.stats.coalesced, 6);
  assert.equal(r.stats.inflight, 0);
  assert.ok(r.stats.maxMs >= 50 && r.stats.totalMs >= r.stats.maxMs);
});

test('hosts file first, case-insensitive, pins names (no SRV), re-read on change', async (t) => {
  const file = join(dir, 'hosts');
  await writeFile(
    file,
    [
      '# comment line',
      '127.0.0.1   localhost',
      '127.0.0.7\tMyHost.Local  alias   # trailing comment',
      '::7         myhost.local',
      '0:0::0:8    v6host.local',
      'fe80::1%eth0 zoned.local',
      'not-an-ip   broken.local',
      '127.0.0.11  a.example',
      '',
    ].join('\n'),
  );
  const { r, clock } = make(t, { hostsFile: file });
  const sent0 = dns.queries.length;
  assert.deepEqual(await r.lookupHost('myhost.local'), ['127.0.0.7', '::7']);
  assert.deepEqual(await r.lookupHost('ALIAS'), ['127.0.0.7']);
  assert.deepEqual(await r.lookupHost('v6host.local'), ['::8']);
  assert.deepEqual(await r.resolve('myhost.local', undefined, 'udp'), [
    { ip: '127.0.0.7', port: 5060, family: 4, transport: 'udp' },
    { ip: '::7', port: 5060, family: 6, transport: 'udp' },
  ]);
  // a name in the file shadows DNS
  assert.deepEqual(ips(await r.resolve('a.example', 5060, 'udp')), ['127.0.0.11']);
  assert.deepEqual(await r.reverse('127.0.0.7'), ['myhost.local', 'alias']);
  assert.equal(dns.queries.length, sent0, 'nothing asked of DNS');
  assert.ok(r.stats.hostsHits >= 5);

  // names not in the file go to DNS
  await rejectsWith(r.lookupHost('zoned.local'), 'ENOTFOUND');
  await rejectsWith(r.lookupHost('broken.local'), 'ENOTFOUND');

  // change the file: seen only after the next check (at most once per second)
  await writeFile(file, '127.0.0.77 myhost.local\n');
  const future = new Date(Date.now() + 10_000);
  await utimes(file, future, future);
  assert.deepEqual(await r.lookupHost('myhost.local'), ['127.0.0.7', '::7']);
  clock.ms += 1_001;
  assert.deepEqual(await r.lookupHost('myhost.local'), ['127.0.0.77']);

  // the file disappearing empties the table
  await rm(file);
  clock.ms += 1_001;
  await rejectsWith(r.lookupHost('myhost.local'), 'ENOTFOUND');
});

test('reverse: PTR names, [] on failure or bad input', async (t) => {
  const { r } = make(t);
  assert.deepEqual(await r.reverse('127.0.0.2'), ['a.example']);
  assert.deepEqual(await r.reverse('[::2]'), ['a.example']);
  assert.deepEqual(await r.reverse('127.0.0.99'), []);
  assert.deepEqual(await r.reverse('not-an-ip'), []);
  const n = dns.count(reverseName('127.0.0.2'));
  assert.deepEqual(await r.reverse('127.0.0.2'), ['a.example']);
  assert.equal(dns.count(reverseName('127.0.0.2')), n, 'cached');
});

test('cache is bounded: the oldest entry is evicted', async (t) => {
  const { r } = make(t, { maxCacheEntries: 2, ipv6: false });
  await r.lookupHost('e1.example');
  await r.lookupHost('e2.example');
  await r.lookupHost('e3.example');
  const n = dns.count('e1.example');
  await r.lookupHost('e3.example');
  await r.lookupHost('e2.example');
  assert.equal(dns.count('e2.example'), 1);
  await r.lookupHost('e1.example');
  assert.equal(dns.count('e1.example'), n + 1);
});

test('close() cancels outstanding queries; later calls fail cleanly', async (t) => {
  const { r } = make(t, { timeoutMs: 5_000, tries: 2 });
  const p = r.resolve('silent.example', 5060, 'udp');
  const q = r.reverse('127.0.0.2');
  await new Promise((res) => setTimeout(res, 20));
  const t0 = Date.now();
  r.close();
  await rejectsWith(p, 'ECANCELLED');
  assert.ok(Date.now() - t0 < 100);
  assert.ok(Array.isArray(await q));
  await rejectsWith(r.resolve('a.example', 5060, 'udp'), 'ECANCELLED');
  await rejectsWith(r.lookupHost('a.example'), 'ECANCELLED');
  assert.deepEqual(await r.reverse('127.0.0.2'), []);
  assert.equal(r.stats.inflight, 0);
});
