// Daemon mode (fork=yes without -D): `ser` returns once the server listens in the background,
// says which pid it runs as, writes the pid file, and the daemon stops on SIGTERM. A start-up
// failure (address in use) makes `ser` itself exit 1 and leaves nothing running.

import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import { freePort } from '../helpers/ports.js';
import { UdpPeer } from '../helpers/sip-peer.js';
import { isAlive, killMatchingAfter, killTree, options, pidsMatching, runSer, sipsak, sipsakPort, statusLine, tempDir, waitUntil, writeCfg } from './cli-helpers.js';

const cfgText = (port: number) =>
  `listen=127.0.0.1\nport=${port}\nlog_stderror=yes\nloadmodule "/usr/lib/ser/modules/sl.so"\nroute{\n\tsl_send_reply("200", "OK");\n}\n`;

/** Session id of `pid` (field 6 of /proc/pid/stat). */
function sessionOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[3]);
}

test('ser -f cfg -P pidfile runs in the background; kill -TERM stops it and removes the pid file', { timeout: 60_000 }, async (t) => {
  const dir = tempDir(t);
  const port = await sipsakPort(); // four digits for sipsak, see sipsakPort()
  const cfg = writeCfg(dir, 'daemon.cfg', cfgText(port));
  const pidFile = path.join(dir, 'ser.pid');
  killMatchingAfter(t, cfg); // whatever happens, no daemon survives the test
  let daemonPid = 0;
  t.after(() => killTree(daemonPid, 1000));

  const r = await runSer(t, ['-f', cfg, '-P', pidFile], { cwd: dir, timeoutMs: 10_000 });
  await t.test('ser returns exit 0 within a few seconds, naming the background pid', () => {
    assert.equal(r.timedOut, false, `ser did not return:\n${r.stdout}\n${r.stderr}`);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.ok(r.ms < 5000, `returned after ${r.ms} ms`);
    const m = /running in the background as pid (\d+)/.exec(r.stdout);
    assert.ok(m, `no "running in the background as pid N" in:\n${r.stdout}`);
    daemonPid = Number(m[1]);
    assert.match(r.stdout, /^Listening on$/m);
    assert.match(r.stdout, new RegExp(`udp: 127\\.0\\.0\\.1 \\[127\\.0\\.0\\.1\\]:${port}$`, 'm'));
  });
  assert.ok(daemonPid > 0, 'daemon pid known');

  await t.test('the daemon is alive, in its own session, and the pid file holds its pid', () => {
    assert.ok(isAlive(daemonPid), `pid ${daemonPid} is running`);
    assert.equal(sessionOf(daemonPid), daemonPid, 'detached: session leader of its own session');
    assert.ok(existsSync(pidFile), 'pid file written');
    assert.equal(readFileSync(pidFile, 'utf8').trim(), String(daemonPid));
  });

  await t.test('sipsak to it gets a 200', async () => {
    const s = await sipsak(`sip:test@127.0.0.1:${port}`);
    assert.equal(s.code, 0, s.output);
  });

  await t.test('the Warning header names the daemon pid (the process that answers)', async () => {
    const peer = await UdpPeer.open();
    try {
      peer.send(options({ port, viaPort: peer.port }), port);
      const reply = await peer.next(3000);
      assert.ok(reply, 'a reply');
      assert.equal(statusLine(reply), 'SIP/2.0 200 OK');
      assert.match(reply.toString('latin1'), new RegExp(`Noisy feedback tells: pid=${daemonPid} `));
    } finally {
      peer.close();
    }
  });

  await t.test('kill -TERM N stops it and the pid file disappears', async () => {
    process.kill(daemonPid, 'SIGTERM');
    assert.ok(await waitUntil(() => !isAlive(daemonPid), 3000), `pid ${daemonPid} still running 3 s after SIGTERM`);
    assert.ok(await waitUntil(() => !existsSync(pidFile), 1000), 'pid file removed');
    assert.deepEqual(await pidsMatching(cfg), [], 'no process of this server left');
  });
});

for (const proto of ['udp', 'tcp'] as const) {
  test(`daemon mode: a port already taken (${proto}) makes ser exit 1 naming the address, with nothing left running`, { timeout: 30_000 }, async (t) => {
    const dir = tempDir(t);
    const port = await freePort();
    // take the port before ser starts
    let release: () => Promise<void>;
    if (proto === 'udp') {
      const u = dgram.createSocket('udp4');
      await new Promise<void>((resolve, reject) => {
        u.once('error', reject);
        u.bind(port, '127.0.0.1', () => resolve());
      });
      release = () => new Promise<void>((resolve) => u.close(() => resolve()));
    } else {
      const s = net.createServer();
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.listen(port, '127.0.0.1', () => resolve());
      });
      release = () => new Promise<void>((resolve) => s.close(() => resolve()));
    }
    t.after(() => release());
    const cfg = writeCfg(dir, 'busy.cfg', cfgText(port));
    const pidFile = path.join(dir, 'ser.pid');
    killMatchingAfter(t, cfg);

    const r = await runSer(t, ['-f', cfg, '-P', pidFile], { cwd: dir, timeoutMs: 10_000 });
    assert.equal(r.timedOut, false, `ser did not return:\n${r.stdout}\n${r.stderr}`);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, new RegExp(`127\\.0\\.0\\.1:${port}\\b`), 'the message names the address');
    assert.match(r.stderr, /EADDRINUSE|in use/i);
    assert.doesNotMatch(r.stdout, /running in the background/);
    assert.doesNotMatch(r.stderr, /^\s+at .+\(?(file:|node:)/m, 'no stack trace');
    assert.ok(await waitUntil(async () => (await pidsMatching(cfg)).length === 0, 2000), 'no ser process left running');
    assert.equal(existsSync(pidFile), false, 'no pid file');
  });
}

test('without log_stderror and without syslog, the background server logs to ./ser.log and says so', { timeout: 30_000 }, async (t) => {
  const dir = tempDir(t);
  const port = await freePort();
  const cfg = writeCfg(dir, 'quiet.cfg', `listen=127.0.0.1\nport=${port}\ndebug=3\nloadmodule "sl.so"\nroute{\n\tsl_send_reply("200", "OK");\n}\n`);
  killMatchingAfter(t, cfg);
  const r = await runSer(t, ['-f', cfg], { cwd: dir, timeoutMs: 10_000 });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const pid = Number(/running in the background as pid (\d+)/.exec(r.stdout)?.[1]);
  t.after(() => killTree(pid, 1000));
  const logFile = path.join(dir, 'ser.log');
  if (existsSync('/dev/log')) {
    // a machine with syslog: the log goes there, no file appears
    assert.equal(existsSync(logFile), false);
    return;
  }
  assert.match(r.stdout, new RegExp(`logging to ${logFile.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`));
  assert.ok(await waitUntil(() => existsSync(logFile) && /INFO: ser .* started/.test(readFileSync(logFile, 'utf8')), 3000), 'the start line is in ser.log');
});
