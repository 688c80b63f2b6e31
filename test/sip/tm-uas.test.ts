import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { freePort } from '../helpers/ports.js';
import { UdpPeer } from '../helpers/sip-peer.js';
import { startServer } from '../helpers/server.js';
import { answer, Caller, countWithin, drain, guideCfg, isReq, isResp, sleep, subst, take } from './tm-util.js';

// The server as a stateful user agent (admin guide Example 2-18, uas.cfg: t_newtran + t_reply)
// and t_replicate (Example 3-10, replicate.cfg, without the digest authentication part).

const NEW_TX = /New Transaction Arrived/;

test('Example 2-18 (uas.cfg): a@ gets 409 "Bizzar Error"; a retransmission gets the same reply, logged once', async (t) => {
  const srv = await startServer(guideCfg('ex2-18.cfg'), { debug: 3 });
  const ua = await UdpPeer.open();
  t.after(async () => {
    ua.close();
    await srv.stop();
  });
  const c = new Caller(ua, srv.port, `sip:a@127.0.0.1:${srv.port}`);
  const text = c.build('MESSAGE', { body: 'hello' });
  c.send(text);
  const r1 = await take(ua, isResp(409, 'MESSAGE'), 2000, '409');
  assert.equal(r1.reason, 'Bizzar Error');
  assert.ok(r1.to.tag, 'a To tag in the final response (RFC 3261 §8.2.6.2)');
  assert.equal(r1.vias.length, 1);
  assert.equal(r1.via1.branch, c.branch);
  c.send(text);
  const r2 = await take(ua, isResp(409, 'MESSAGE'), 2000, 'the 409 again');
  assert.equal(r2.buf.toString('latin1'), r1.buf.toString('latin1'), 'the very same reply, kept for retransmissions');
  await sleep(200);
  assert.equal(srv.log.lines.filter((l) => NEW_TX.test(l)).length, 1, 'the retransmission was absorbed by t_newtran: ' + srv.log.lines.join(''));
  // a non-INVITE final response is not retransmitted on its own (§17.2.2)
  assert.equal((await countWithin(ua, () => true, 700)).length, 0);
});

test('Example 2-18 (uas.cfg): an INVITE to another user gets 699, re-sent on retransmission and by Timer G until the ACK', async (t) => {
  const srv = await startServer(guideCfg('ex2-18.cfg'), { debug: 3 });
  const ua = await UdpPeer.open();
  t.after(async () => {
    ua.close();
    await srv.stop();
  });
  const c = new Caller(ua, srv.port, `sip:bob@127.0.0.1:${srv.port}`);
  const invText = c.invite();
  const r1 = await take(ua, (m) => !m.isRequest && m.status >= 200, 2000, 'final response');
  assert.equal(r1.status, 699);
  assert.equal(Buffer.from(r1.reason, 'latin1').toString('utf8'), 'I don’t want to chat with you');
  assert.ok(r1.to.tag);
  assert.equal(r1.cseq.method, 'INVITE');
  c.send(invText);
  const again = await countWithin(ua, isResp(699), 250);
  assert.equal(again.length, 1, 'one 699 for the retransmission (before Timer G fires)');
  assert.equal(again[0]!.buf.toString('latin1'), r1.buf.toString('latin1'));
  // no ACK yet: Timer G retransmits the 699 over UDP (§17.2.1), first after T1
  const timerG = await countWithin(ua, isResp(699), 900);
  assert.ok(timerG.length >= 1, 'the 699 is retransmitted until the ACK comes');
  c.ackNon2xx(invText, r1);
  await sleep(100);
  drain(ua);
  assert.equal((await countWithin(ua, isResp(699), 2500)).length, 0, 'the ACK stops the retransmissions');
  assert.equal(srv.log.lines.filter((l) => NEW_TX.test(l)).length, 1, 'neither the retransmission nor the ACK made a new transaction');
});

test('Example 2-18 (uas.cfg): REGISTER gets a stateless 200 "ok" and logs REGISTER', async (t) => {
  // log("REGISTER") prints at L_DBG (4)
  const srv = await startServer(guideCfg('ex2-18.cfg'), { debug: 4 });
  const ua = await UdpPeer.open();
  t.after(async () => {
    ua.close();
    await srv.stop();
  });
  const c = new Caller(ua, srv.port, `sip:127.0.0.1:${srv.port}`);
  c.send(c.build('REGISTER', { to: `<sip:a@127.0.0.1:${srv.port}>` }));
  const r = await take(ua, isResp(200, 'REGISTER'), 2000, '200');
  assert.equal(r.reason, 'ok');
  assert.ok(await srv.waitLog(/REGISTER/, 500));
  assert.equal(srv.log.lines.filter((l) => NEW_TX.test(l)).length, 0, 'REGISTER never reaches t_newtran');
});

/** Example 3-10 (replicate.cfg) without the authentication (auth comes later), backup port changed. */
function replicateCfg(backupPort: number): string {
  let cfg = guideCfg('ex3-10.cfg');
  cfg = subst(cfg, 'loadmodule "modules/mysql/mysql.so"\n', '');
  cfg = subst(cfg, 'loadmodule "modules/auth/auth.so"\n', '');
  cfg = subst(cfg, 'loadmodule "modules/auth_db/auth_db.so"\n', '');
  cfg = subst(cfg, 'modparam("auth", "secret", "alsdkhglaksdhfkloiwr")\n', '');
  cfg = subst(
    cfg,
    '# verify credentials\nif (!www_authorize("foo.bar", "subscriber")) {\nwww_challenge("foo.bar", "0");\nbreak;\n};\n',
    '',
  );
  cfg = subst(cfg, 't_replicate("backup.foo.bar", "5060");', `t_replicate("backup.foo.bar", "${backupPort}");`);
  return cfg;
}

test('Example 3-10 (replicate.cfg, no auth): REGISTER saved with 200, a copy goes to the backup, whose answer stays with the proxy', async (t) => {
  // backup.foo.bar is 127.0.0.2: a hosts file for the resolver, a UA listening there
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ser-hosts-'));
  const hosts = path.join(dir, 'hosts');
  writeFileSync(hosts, '127.0.0.2 backup.foo.bar\n');
  const backupPort = await freePort('127.0.0.2');
  const backup = await UdpPeer.open('127.0.0.2', backupPort);
  const srv = await startServer(replicateCfg(backupPort), { resolver: { hostsFile: hosts }, debug: 3 });
  const ua = await UdpPeer.open();
  t.after(async () => {
    ua.close();
    backup.close();
    await srv.stop();
  });
  const aor = `sip:alice@127.0.0.1:${srv.port}`;
  const reg = new Caller(ua, srv.port, `sip:127.0.0.1:${srv.port}`, 'alice');
  reg.send(reg.build('REGISTER', { to: `<${aor}>`, extra: ['Expires: 300'] }));
  const ok = await take(ua, isResp(200, 'REGISTER'), 2000, '200 from save()');
  const contacts = ok.contacts as readonly { uri: string }[];
  assert.equal(contacts[0]?.uri, `sip:alice@127.0.0.1:${ua.port}`);

  const copy = await take(backup, isReq('REGISTER'), 2000, 'the replicated REGISTER at the backup');
  assert.equal(copy.ruri, `sip:127.0.0.1:${srv.port}`);
  assert.equal(copy.via1.host, '127.0.0.1');
  assert.equal(copy.via1.port, srv.port);
  assert.equal(copy.vias.length, 2);
  assert.equal(copy.vias[1]!.branch, reg.branch);
  assert.equal(copy.callId, reg.callId);
  assert.equal((copy.contacts as readonly { uri: string }[])[0]?.uri, `sip:alice@127.0.0.1:${ua.port}`);
  assert.equal(copy.maxForwards, 69);

  answer(backup, copy, 200, 'OK', { extra: ['X-Backup: yes'] });
  const more = await countWithin(ua, () => true, 600);
  assert.deepEqual(
    more.map((m) => `${m.status} ${m.reason}`),
    [],
    "the backup's 200 does not reach the client: t_replicate's transaction keeps its replies",
  );

  // a REGISTER coming from the backup itself is saved but not replicated back
  const fromBackup = new Caller(backup, srv.port, `sip:127.0.0.1:${srv.port}`, 'carol');
  fromBackup.send(fromBackup.build('REGISTER', { to: `<sip:carol@127.0.0.1:${srv.port}>` }).replace(/127\.0\.0\.1:(\d+);branch/, `127.0.0.2:${backupPort};branch`));
  const ok2 = await take(backup, isResp(200, 'REGISTER'), 2000, '200 for the REGISTER from the backup');
  assert.equal(ok2.callId, fromBackup.callId);
  assert.equal((await countWithin(backup, isReq('REGISTER'), 500)).length, 0, 'no replica of a replica');
});
