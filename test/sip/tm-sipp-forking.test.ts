import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { freePort } from '../helpers/ports.js';
import { runSipp, startSipp } from '../helpers/sipp.js';
import { startServer } from '../helpers/server.js';
import { sleep } from './tm-util.js';

// Forking with SIPp on both sides: a SIPp caller, a SIPp callee that is busy (486, then expects
// the proxy's hop-by-hop ACK) and a SIPp callee that answers (uas-rr.xml: 180, 200, then ACK and
// BYE along the Record-Route). Each SIPp exits 0 only when its whole scenario ran, every call.

const sippDir = (f: string) => path.resolve('test/fixtures/sipp', f);
const CALLS = 5;

/** Run CALLS calls from a SIPp caller through the proxy; both callees must finish cleanly too. */
async function callThrough(cfg: (busy: number, good: number) => string, busyAnswers = true): Promise<void> {
  const busyPort = await freePort();
  const goodPort = await freePort();
  const srv = await startServer(cfg(busyPort, goodPort));
  const callees: ChildProcess[] = [
    startSipp(['-sf', sippDir('uas-rr.xml'), '-i', '127.0.0.1', '-p', String(goodPort), '-m', String(CALLS), '-recv_timeout', '10000']),
  ];
  // without a busy callee, nothing listens on its port: the branch gets no answer at all
  if (busyAnswers) {
    callees.push(startSipp(['-sf', sippDir('uas-busy.xml'), '-i', '127.0.0.1', '-p', String(busyPort), '-m', String(CALLS), '-recv_timeout', '10000']));
  }
  const exited = callees.map((c) => new Promise<number | null>((resolve) => c.once('exit', (code) => resolve(code))));
  try {
    await sleep(500);
    const res = await runSipp(
      [
        `127.0.0.1:${goodPort}`,
        '-sf', sippDir('uac-rr.xml'),
        '-rsa', `127.0.0.1:${srv.port}`,
        '-s', 'bob',
        '-i', '127.0.0.1',
        '-p', String(await freePort()),
        '-d', '0',
        '-m', String(CALLS),
        '-r', '10',
        '-l', '2',
        '-recv_timeout', '5000',
      ],
      40_000,
    );
    assert.equal(res.failed, 0, res.stdout + res.stderr);
    assert.equal(res.successful, CALLS);
    const codes = await Promise.race([Promise.all(exited), sleep(15_000).then(() => undefined)]);
    assert.deepEqual(codes, callees.map(() => 0), 'every SIPp callee ran its scenario for every call');
  } finally {
    for (const c of callees) c.kill('SIGKILL');
    await srv.stop();
  }
}

const HEAD = 'loadmodule "sl.so"\nloadmodule "tm.so"\nloadmodule "rr.so"\n';

test('parallel forking, SIPp on every side: one callee busy (486), the other answers; the caller gets the 200, the 486 is ACKed by the proxy', { timeout: 60_000 }, async () => {
  await callThrough(
    (busy, good) =>
      HEAD +
      `route{ record_route(); if (loose_route()) { t_relay(); break; };\n` +
      `  rewritehostport("127.0.0.1:${busy}"); append_branch("sip:bob@127.0.0.1:${good}"); t_relay(); }\n`,
  );
});

test('serial forking, SIPp on every side: the busy callee first, then failure_route forwards to the one that answers', { timeout: 60_000 }, async () => {
  await callThrough(
    (busy, good) =>
      HEAD +
      `route{ record_route(); if (loose_route()) { t_relay(); break; };\n` +
      `  rewritehostport("127.0.0.1:${busy}"); t_on_failure("1"); t_relay(); }\n` +
      `failure_route[1] { append_branch("sip:bob@127.0.0.1:${good}"); t_relay(); }\n`,
  );
});

test('serial forking after a timeout, SIPp on every side: the first destination never answers; after fr_timer, failure_route forwards to the one that answers', { timeout: 60_000 }, async () => {
  await callThrough(
    (silent, good) =>
      HEAD +
      'modparam("tm", "fr_timer", 1)\n' +
      `route{ record_route(); if (loose_route()) { t_relay(); break; };\n` +
      `  rewritehostport("127.0.0.1:${silent}"); t_on_failure("1"); t_relay(); }\n` +
      `failure_route[1] { append_branch("sip:bob@127.0.0.1:${good}"); t_relay(); }\n`,
    false,
  );
});
