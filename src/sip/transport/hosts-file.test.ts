import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HostsFile, parseHosts } from './hosts-file.js';

test('parseHosts: comments, blanks, aliases, both families, bad lines', () => {
  const t = parseHosts(
    [
      '# a comment',
      '   ',
      '127.0.0.1\tlocalhost localhost.localdomain',
      '::1 localhost ip6-localhost  # loopback',
      '10.0.0.5  Sip.Example.COM. sip',
      '10.0.0.6  sip',
      '10.0.0.5  sip.example.com', // duplicate
      '2001:DB8:0:0::5 sip.example.com',
      'fe80::1%eth0 linklocal',
      '10.0.0.300 broken',
      '10.0.0.7',
      '#10.0.0.8 commented',
      'garbage here',
    ].join('\r\n'),
  );
  assert.deepEqual(t.byName.get('localhost'), { v4: ['127.0.0.1'], v6: ['::1'] });
  assert.deepEqual(t.byName.get('sip.example.com'), { v4: ['10.0.0.5'], v6: ['2001:db8::5'] });
  assert.deepEqual(t.byName.get('sip'), { v4: ['10.0.0.5', '10.0.0.6'], v6: [] });
  assert.deepEqual(t.byName.get('ip6-localhost'), { v4: [], v6: ['::1'] });
  assert.equal(t.byName.get('linklocal'), undefined);
  assert.equal(t.byName.get('broken'), undefined);
  assert.equal(t.byName.get('commented'), undefined);
  assert.equal(t.byName.get('here'), undefined);
  assert.deepEqual(t.byAddr.get('10.0.0.5'), ['sip.example.com', 'sip']);
  assert.deepEqual(t.byAddr.get('::1'), ['localhost', 'ip6-localhost']);
});

test('HostsFile: checks at most once per interval, re-reads on change, missing file is empty', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ser-hosts-'));
  try {
    const path = join(dir, 'hosts');
    let now = 0;
    const h = new HostsFile(path, () => now, 1000);
    assert.equal(await h.lookup('x'), undefined); // no file yet
    await writeFile(path, '127.0.0.5 x\n');
    assert.equal(await h.lookup('x'), undefined); // not checked again yet
    now += 1000;
    assert.deepEqual(await h.lookup('x'), { v4: ['127.0.0.5'], v6: [] });
    await writeFile(path, '127.0.0.6 x y\n');
    now += 999;
    assert.deepEqual((await h.lookup('x'))?.v4, ['127.0.0.5']);
    now += 1;
    assert.deepEqual((await h.lookup('x'))?.v4, ['127.0.0.6']);
    assert.deepEqual(await h.reverse('127.0.0.6'), ['x', 'y']);
    // concurrent callers share one read
    now += 1000;
    const all = await Promise.all([h.get(), h.get(), h.get()]);
    assert.ok(all[0] === all[1] && all[1] === all[2]);
    // disabled
    const off = new HostsFile('', () => now);
    assert.equal(await off.lookup('localhost'), undefined);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
