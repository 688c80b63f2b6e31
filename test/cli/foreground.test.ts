// `ser -D -E -f etc/ser.cfg -l 127.0.0.1 -p PORT`: a server in the foreground, on UDP and TCP,
// answering OPTIONS (sipsak and a raw TCP request), registering a sipsak user (-U), stopping on SIGTERM, with a pid file (-P),
// and the §6.1 port rules for several listen= lines.

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { freePort } from '../helpers/ports.js';
import { TcpPeer, UdpPeer } from '../helpers/sip-peer.js';
import { header, options, SHIPPED_CFG, sipsak, sipsakPort, startListening, statusLine, tempDir, writeCfg } from './cli-helpers.js';

test('ser -D -E -f etc/ser.cfg -l 127.0.0.1 -p PORT: banner, sipsak over UDP, OPTIONS over TCP, SIGTERM, pid file', { timeout: 60_000 }, async (t) => {
  const dir = tempDir(t);
  // four digits: sipsak 0.9.8.1 mangles five-digit ports (see sipsakPort())
  const port = await sipsakPort();
  const pidFile = path.join(dir, 'ser.pid');
  const ser = await startListening(t, ['-D', '-E', '-f', SHIPPED_CFG, '-l', '127.0.0.1', '-p', String(port), '-P', pidFile], { cwd: dir });

  await t.test('prints "Listening on" with a udp and a tcp line for the address', () => {
    assert.match(ser.stdout, /^Listening on$/m);
    assert.match(ser.stdout, new RegExp(`^\\s+udp: 127\\.0\\.0\\.1 \\[127\\.0\\.0\\.1\\]:${port}$`, 'm'), ser.output);
    assert.match(ser.stdout, new RegExp(`^\\s+tcp: 127\\.0\\.0\\.1 \\[127\\.0\\.0\\.1\\]:${port}$`, 'm'), ser.output);
    assert.match(ser.stdout, new RegExp(`^\\s+127\\.0\\.0\\.1:${port}$`, 'm'), 'the listen address is an alias');
    // fork=yes (the default) with -D: foreground, but not SER's "no fork mode"
    assert.doesNotMatch(ser.stdout + ser.stderr, /no fork mode/);
  });

  await t.test('the pid file (-P) holds the pid of the server', () => {
    assert.ok(existsSync(pidFile), 'pid file written');
    assert.equal(readFileSync(pidFile, 'utf8').trim(), String(ser.pid));
  });

  await t.test('sipsak -s sip:test@127.0.0.1:PORT gets a 200 (exit 0)', async () => {
    const r = await sipsak(`sip:test@127.0.0.1:${port}`);
    assert.equal(r.code, 0, `sipsak output:\n${r.output}\n${ser.output}`);
    assert.match(r.output, /SIP\/2\.0 200 OK/);
  });

  await t.test('sipsak -U registers sip:alice there, re-registers and removes the binding (registrar with usrloc)', async () => {
    const local = await sipsakPort();
    const r = await sipsak(`sip:alice@127.0.0.1:${port}`, 20_000, ['-U', '-l', String(local)]);
    assert.equal(r.code, 0, `sipsak output:\n${r.output}\n${ser.output}`);
    assert.match(r.output, /All usrloc tests completed successful/);
  });

  await t.test('an OPTIONS over UDP gets a 200 with the Warning header of Example 3-1 naming the pid', async () => {
    const peer = await UdpPeer.open();
    try {
      peer.send(options({ port, viaPort: peer.port }), port);
      const reply = await peer.next(3000);
      assert.ok(reply, 'a reply within 3 s');
      assert.equal(statusLine(reply), 'SIP/2.0 200 OK');
      const warning = header(reply, 'Warning');
      assert.ok(warning, 'Warning header present (sip_warning defaults to yes)');
      assert.match(
        warning,
        new RegExp(`^392 127\\.0\\.0\\.1:${port} "Noisy feedback tells: pid=${ser.pid} req_src_ip=127\\.0\\.0\\.1 in_uri=sip:test@127\\.0\\.0\\.1:${port} out_uri=sip:test@127\\.0\\.0\\.1:${port} via_cnt==1"$`),
      );
    } finally {
      peer.close();
    }
  });

  await t.test('an OPTIONS written on a TCP connection gets a 200 on the same connection', async () => {
    const tcp = await TcpPeer.connect(port);
    try {
      const callId = `tcp-${Date.now()}@cli-test`;
      tcp.write(options({ port, transport: 'TCP', callId }));
      const complete = (b: Buffer) => /\r\n\r\n/.test(b.toString('latin1'));
      assert.ok(await tcp.waitFor(complete, 3000), `a reply on the connection within 3 s, got: ${JSON.stringify(tcp.text)}`);
      assert.equal(tcp.closed, false, 'the connection stays open');
      const reply = tcp.take();
      assert.equal(statusLine(reply), 'SIP/2.0 200 OK');
      assert.equal(header(reply, 'Call-ID'), callId);
      assert.match(header(reply, 'Via') ?? '', /^SIP\/2\.0\/TCP 127\.0\.0\.1:5999;/);
      assert.equal(header(reply, 'Content-Length'), '0');
      // a second request on the same connection is answered too
      tcp.write(options({ port, transport: 'TCP', callId: callId + '-2' }));
      assert.ok(await tcp.waitFor(complete, 3000), 'second reply');
      assert.equal(header(tcp.take(), 'Call-ID'), callId + '-2');
    } finally {
      tcp.close();
    }
  });

  await t.test('SIGTERM: exit status 0 within 2 s, and the pid file is removed', async () => {
    const t0 = Date.now();
    process.kill(ser.pid, 'SIGTERM');
    const exit = await ser.waitExit(2000);
    assert.ok(exit, `exited within 2 s (waited ${Date.now() - t0} ms)\n${ser.output}`);
    assert.deepEqual(exit, { code: 0, signal: null });
    assert.equal(existsSync(pidFile), false, 'pid file removed at exit');
  });
});

test('listen=127.0.0.1 twice, each followed by its own port= line, listens on both ports (§6.1)', {
  timeout: 30_000,
}, async (t) => {
  const dir = tempDir(t);
  const p1 = await freePort();
  let p2 = await freePort();
  while (p2 === p1) p2 = await freePort();
  const cfg = writeCfg(
    dir,
    'two-ports.cfg',
    `listen=127.0.0.1\nport=${p1}\nlisten=127.0.0.1\nport=${p2}\nlog_stderror=yes\nloadmodule "sl.so"\nroute{\n\tsl_send_reply("200", "OK");\n}\n`,
  );
  const ser = await startListening(t, ['-D', '-E', '-f', cfg], { cwd: dir });
  for (const p of [p1, p2]) {
    assert.match(ser.stdout, new RegExp(`udp: 127\\.0\\.0\\.1 \\[127\\.0\\.0\\.1\\]:${p}$`, 'm'), `udp on ${p}:\n${ser.output}`);
    assert.match(ser.stdout, new RegExp(`tcp: 127\\.0\\.0\\.1 \\[127\\.0\\.0\\.1\\]:${p}$`, 'm'), `tcp on ${p}:\n${ser.output}`);
  }
  const peer = await UdpPeer.open();
  try {
    for (const p of [p1, p2]) {
      peer.send(options({ port: p, viaPort: peer.port }), p);
      const reply = await peer.next(3000);
      assert.ok(reply, `a reply from port ${p}`);
      assert.equal(statusLine(reply), 'SIP/2.0 200 OK');
    }
  } finally {
    peer.close();
  }
});

test('-l 127.0.0.1 -p P1 -l 127.0.0.1 -p P2 listens on both ports (§6.3)', {
  timeout: 30_000,
}, async (t) => {
  const dir = tempDir(t);
  const p1 = await freePort();
  let p2 = await freePort();
  while (p2 === p1) p2 = await freePort();
  const ser = await startListening(t, ['-D', '-E', '-f', SHIPPED_CFG, '-l', '127.0.0.1', '-p', String(p1), '-l', '127.0.0.1', '-p', String(p2)], { cwd: dir });
  for (const p of [p1, p2]) {
    assert.match(ser.stdout, new RegExp(`udp: 127\\.0\\.0\\.1 \\[127\\.0\\.0\\.1\\]:${p}$`, 'm'), `udp on ${p}:\n${ser.output}`);
  }
});

test('the §6.1 example: -l a -l b -p P -l c gives a the default port and b, c the port P', { timeout: 30_000 }, async (t) => {
  // "ser -l foo -l bar -p 5061 -l x -l y will listen on foo:5060, bar:5061 & x:5061 & y:5061";
  // 5060 is not ours to take, so the first address carries its own port instead.
  const dir = tempDir(t);
  const p0 = await freePort();
  const p = await freePort();
  const ser = await startListening(
    t,
    ['-D', '-E', '-f', SHIPPED_CFG, '-l', `udp:127.0.0.1:${p0}`, '-l', 'udp:127.0.0.2', '-p', String(p), '-l', 'udp:127.0.0.3'],
    { cwd: dir },
  );
  assert.match(ser.stdout, new RegExp(`udp: 127\\.0\\.0\\.1 \\[127\\.0\\.0\\.1\\]:${p0}$`, 'm'), ser.output);
  assert.match(ser.stdout, new RegExp(`udp: 127\\.0\\.0\\.2 \\[127\\.0\\.0\\.2\\]:${p}$`, 'm'), ser.output);
  assert.match(ser.stdout, new RegExp(`udp: 127\\.0\\.0\\.3 \\[127\\.0\\.0\\.3\\]:${p}$`, 'm'), ser.output);
});
