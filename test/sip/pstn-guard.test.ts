import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openDb } from '../../src/db/open.js';
import type { SipMessage } from '../../src/sip/parser/message.js';
import { freePort } from '../helpers/ports.js';
import { startServer } from '../helpers/server.js';
import { UdpPeer } from '../helpers/sip-peer.js';
import { startSipp } from '../helpers/sipp.js';
import { createHash } from 'node:crypto';

// The guide's Example 3-8 (pstn.cfg): SER guarding a PSTN gateway, here a SIPp UAS. The script is
// the guide's, with the gateway's address and the database made local; its acc lines (syslog
// accounting at log level 1 of the calls labelled with flag 1) load unchanged.

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const md5 = (s: string) => createHash('md5').update(s, 'latin1').digest('hex');

test('Example 3-8 guards a SIPp gateway: free numbers pass, others need credentials and the right group', { timeout: 60_000 }, async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ser-pstn-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const url = `sqlite://${dir}/ser.db`;
  const db = await openDb(url);
  await db.insert('subscriber', { username: 'alice', domain: 'foo.bar', password: 'apw', ha1: '', ha1b: '' });
  await db.insert('subscriber', { username: 'bob', domain: 'foo.bar', password: 'bpw', ha1: '', ha1b: '' });
  for (const [u, g] of [['alice', 'ld'], ['alice', 'local'], ['bob', 'local'], ['0800123', 'free-pstn']]) {
    await db.insert('grp', { username: u, domain: 'foo.bar', grp: g });
  }
  await db.close();

  const gwPort = await freePort();
  const gateway = startSipp(['-sn', 'uas', '-i', '127.0.0.1', '-p', String(gwPort)]);
  t.after(() => gateway.kill('SIGKILL'));

  const guide = readFileSync(path.join(ROOT, 'test', 'fixtures', 'cfg', 'guide', 'ex3-08.cfg'), 'utf8');
  const cfg = guide
    .replace('sql://ser:heslo@localhost/ser', url)
    .replace('modparam("auth_db", "calculate_ha1", yes)', `modparam("auth_db", "calculate_ha1", yes)\nmodparam("group", "db_url", "${url}")`)
    .replace('src_ip==192.168.0.10', 'src_ip==127.0.0.2')
    .replace('rewritehostport("192.168.0.10:5060")', `rewritehostport("127.0.0.1:${gwPort}")`);
  assert.notEqual(cfg, guide);
  const srv = await startServer(cfg);
  t.after(() => srv.stop());
  const caller = await UdpPeer.open();
  const gwSide = await UdpPeer.open('127.0.0.2');
  t.after(() => {
    caller.close();
    gwSide.close();
  });
  await new Promise((r) => setTimeout(r, 300)); // SIPp binds its port

  let n = 0;
  const invite = async (peer: UdpPeer, number: string, auth?: string): Promise<SipMessage> => {
    const i = ++n;
    const ruri = `sip:${number}@127.0.0.1:${srv.port}`;
    peer.send(
      `INVITE ${ruri} SIP/2.0\r\nVia: SIP/2.0/UDP ${peer.socket.address().address}:${peer.port};branch=z9hG4bKpstn${i}\r\n` +
        `From: <sip:caller@foo.bar>;tag=p${i}\r\nTo: <${ruri}>\r\nCall-ID: pstn-${i}\r\nCSeq: 1 INVITE\r\n` +
        `Contact: <sip:caller@127.0.0.1:${peer.port}>\r\n` + (auth ? `Proxy-Authorization: ${auth}\r\n` : '') +
        `Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n`,
      srv.port,
    );
    for (;;) {
      const m = await peer.expect(5000);
      if (m.status >= 200) return m;
    }
  };
  const creds = (user: string, pw: string, number: string, nonce: string) => {
    const uri = `sip:${number}@127.0.0.1:${srv.port}`;
    const ha1 = md5(`${user}:gateway:${pw}`);
    const resp = md5(`${ha1}:${nonce}:${md5(`INVITE:${uri}`)}`);
    return `Digest username="${user}", realm="gateway", nonce="${nonce}", uri="${uri}", response="${resp}"`;
  };
  const nonceFrom = (m: SipMessage) => /nonce="([^"]+)"/.exec(m.value(m.header('proxy-authenticate')!))![1]!;

  // free destinations: the free-pstn group, the local PBX 7xxx/9xxx: no credentials, the gateway answers
  assert.equal((await invite(caller, '0800123')).status, 200);
  assert.equal((await invite(caller, '7123')).status, 200);
  // a long-distance number without credentials: challenged for realm "gateway"
  const c407 = await invite(caller, '00420123');
  assert.equal(c407.status, 407);
  assert.match(c407.value(c407.header('proxy-authenticate')!), /realm="gateway"/);
  const nonce = nonceFrom(c407);
  // alice is in "ld": she reaches the gateway; bob is not: 403 " no permission for LD "
  assert.equal((await invite(caller, '00420123', creds('alice', 'apw', '00420123', nonce))).status, 200);
  const bob = await invite(caller, '00420123', creds('bob', 'bpw', '00420123', nonce));
  assert.equal(bob.status, 403);
  assert.equal(bob.reason, ' no permission for LD ');
  // a wrong password: challenged again
  assert.equal((await invite(caller, '00420123', creds('alice', 'nope', '00420123', nonce))).status, 407);
  // local numbers for members of "local"; international needs "int", which nobody has
  assert.equal((await invite(caller, '0123456', creds('bob', 'bpw', '0123456', nonce))).status, 200);
  const intl = await invite(caller, '000123', creds('alice', 'apw', '000123', nonce));
  assert.equal(intl.status, 403);
  assert.equal(intl.reason, 'International permissions needed');
  // an unknown prefix: Forbidden, even with valid credentials
  const other = await invite(caller, '123', creds('alice', 'apw', '123', nonce));
  assert.equal(other.status, 403);
  assert.equal(other.reason, 'Forbidden');
  // not a number at all
  assert.equal((await invite(caller, 'alice')).reason, 'Call cannot be served here');
  // the gateway's own address passes without credentials
  assert.equal((await invite(gwSide, '00420123')).status, 200);
});
