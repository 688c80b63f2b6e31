import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { freePort } from '../helpers/ports.js';
import { UdpPeer } from '../helpers/sip-peer.js';
import { runSipp, startSipp } from '../helpers/sipp.js';
import { startServer } from '../helpers/server.js';
import { guideCfg, sleep } from './tm-util.js';

// The guide's default script (Example 2-17) as a registrar and proxy, with SIPp phones: a
// phone's contact is registered (RFC 3261 §10.2 allows a third party to register it), then a
// SIPp caller dials the address of record and reaches it through lookup("location"); with two
// contacts registered for one AOR, the call forks to both.

const sippDir = (f: string) => path.resolve('test/fixtures/sipp', f);
const CALLS = 3;

async function registerContact(srvPort: number, user: string, contactPort: number, n: number): Promise<void> {
  const peer = await UdpPeer.open();
  try {
    peer.send(
      `REGISTER sip:127.0.0.1:${srvPort} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${peer.port};branch=z9hG4bKsr${n}\r\n` +
        `From: <sip:${user}@127.0.0.1:${srvPort}>;tag=sr${n}\r\nTo: <sip:${user}@127.0.0.1:${srvPort}>\r\nCall-ID: sipp-reg-${n}@x\r\n` +
        `CSeq: 1 REGISTER\r\nContact: <sip:${user}@127.0.0.1:${contactPort}>;q=0.${9 - n}\r\nExpires: 300\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n`,
      srvPort,
    );
    const r = await peer.expect();
    assert.equal(r.status, 200, 'registered');
  } finally {
    peer.close();
  }
}

async function callAor(srvPort: number, phones: ChildProcess[]): Promise<void> {
  const exited = phones.map((c) => new Promise<number | null>((resolve) => c.once('exit', (code) => resolve(code))));
  const res = await runSipp(
    [
      `127.0.0.1:${srvPort}`,
      '-sf', sippDir('uac-rr.xml'),
      '-s', 'bob',
      '-i', '127.0.0.1',
      '-p', String(await freePort()),
      '-d', '0',
      '-m', String(CALLS),
      '-r', '10',
      '-l', '1',
      '-recv_timeout', '5000',
    ],
    40_000,
  );
  assert.equal(res.failed, 0, res.stdout + res.stderr);
  assert.equal(res.successful, CALLS);
  const codes = await Promise.race([Promise.all(exited), sleep(15_000).then(() => undefined)]);
  assert.deepEqual(codes, phones.map(() => 0), 'every SIPp phone ran its scenario for every call');
}

test('Example 2-17: a registered SIPp phone is reached by a SIPp caller dialing its address of record', { timeout: 60_000 }, async () => {
  const srv = await startServer(guideCfg('ex2-17.cfg'));
  const phonePort = await freePort();
  const phone = startSipp(['-sf', sippDir('uas-rr.xml'), '-i', '127.0.0.1', '-p', String(phonePort), '-m', String(CALLS), '-recv_timeout', '10000']);
  try {
    await sleep(300);
    await registerContact(srv.port, 'bob', phonePort, 1);
    await callAor(srv.port, [phone]);
  } finally {
    phone.kill('SIGKILL');
    await srv.stop();
  }
});

test('Example 2-17: two contacts registered for one AOR; the call forks, the busy phone is ACKed, the other answers', { timeout: 60_000 }, async () => {
  const srv = await startServer(guideCfg('ex2-17.cfg'));
  const busyPort = await freePort();
  const goodPort = await freePort();
  const phones = [
    startSipp(['-sf', sippDir('uas-busy.xml'), '-i', '127.0.0.1', '-p', String(busyPort), '-m', String(CALLS), '-recv_timeout', '10000']),
    startSipp(['-sf', sippDir('uas-rr.xml'), '-i', '127.0.0.1', '-p', String(goodPort), '-m', String(CALLS), '-recv_timeout', '10000']),
  ];
  try {
    await sleep(300);
    await registerContact(srv.port, 'bob', busyPort, 1);
    await registerContact(srv.port, 'bob', goodPort, 2);
    await callAor(srv.port, phones);
  } finally {
    for (const p of phones) p.kill('SIGKILL');
    await srv.stop();
  }
});
