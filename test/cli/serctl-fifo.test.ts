import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, constants, existsSync, openSync, readFileSync, writeSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import { freePort } from '../helpers/ports.js';
import { startSipp } from '../helpers/sipp.js';
import { isAlive, killMatchingAfter, killTree, startListening, tempDir, waitUntil, writeCfg, type Ctx } from './cli-helpers.js';
import { registrarCfgHead, serctl } from './serctl-helpers.js';

// serctl's FIFO commands: first against a fake FIFO responder (the wire format of admin guide
// §4.2, timeouts), then against a real `ser` with fifo= (Examples 3-3, 4-6..4-8, 5-2, the ul
// transcript of §3.2.1, ping to a SIPp UAS), and start/stop through the pid file.

interface FakeRequest {
  cmd: string;
  reply: string;
  params: string[];
}

/** A FIFO at `file` answering each request with `answer(req)` (undefined: no answer). */
function fakeFifo(t: Ctx, file: string, answer: (r: FakeRequest) => string | undefined): FakeRequest[] {
  execFileSync('mkfifo', ['-m', '0600', file]);
  const fd = openSync(file, constants.O_RDWR | constants.O_NONBLOCK);
  const sock = new net.Socket({ fd, readable: true, writable: false });
  const seen: FakeRequest[] = [];
  let buf = '';
  sock.setEncoding('utf8').on('data', (d: string) => {
    buf += d;
    for (let end = buf.indexOf('\n\n'); end >= 0; end = buf.indexOf('\n\n')) {
      const lines = buf.slice(0, end).split('\n');
      buf = buf.slice(end + 2);
      const m = /^:([^:]+):(.*)$/.exec(lines[0]!);
      if (!m) continue;
      const req = { cmd: m[1]!, reply: m[2]!, params: lines.slice(1) };
      seen.push(req);
      const text = answer(req);
      if (text === undefined) continue;
      const out = openSync(path.join('/tmp', req.reply), constants.O_WRONLY | constants.O_NONBLOCK);
      writeSync(out, text);
      closeSync(out);
    }
  });
  t.after(() => {
    sock.destroy();
  });
  return seen;
}

test('the FIFO client speaks SER\'s wire format (fake responder): requests, replies, exit codes, timeout', async (t) => {
  const dir = tempDir(t, 'serctl-fifo-');
  const fifo = path.join(dir, 'fake_fifo');
  const seen = fakeFifo(t, fifo, (r) => {
    if (r.cmd === 'uptime') return '200 ok\nNow: Fri Dec  6 17:56:10 2002\nUp Since: Fri Dec  6 17:56:07 2002\nUp time: 3 [sec]\n';
    if (r.cmd === 'ul_add') return `200 Added to table\n('${r.params[1]}','${r.params[2]}') to '${r.params[0]}'\n`;
    if (r.cmd === 't_uac_dlg') return '200 OK\nVia: x\n';
    if (r.cmd === 'silent') return undefined;
    return `500 command '${r.cmd}' not available\n`;
  });
  const env = { SER_FIFO: fifo, SIP_DOMAIN: 'foo.bar', SER_FIFO_TIMEOUT: '1' };

  const up = await serctl(['fifo', 'uptime'], { cwd: dir, env });
  assert.equal(up.status, 0, up.stderr);
  assert.equal(up.stdout, 'Now: Fri Dec  6 17:56:10 2002\nUp Since: Fri Dec  6 17:56:07 2002\nUp time: 3 [sec]\n');
  assert.deepEqual(seen[0]!.params, []);
  assert.match(seen[0]!.reply, /^ser_receiver_\d+_[0-9a-f]+$/);
  assert.equal(existsSync(path.join('/tmp', seen[0]!.reply)), false, 'reply FIFO removed');

  const foo = await serctl(['fifo', 'foobar'], { cwd: dir, env });
  assert.equal(foo.status, 1);
  assert.equal(foo.stdout, "500 command 'foobar' not available\n");

  const add = await serctl(['ul', 'add', 'newuser', 'sip:666@gateway.foo.bar'], { cwd: dir, env });
  assert.equal(add.status, 0, add.stderr);
  assert.equal(add.stdout, "sip:666@gateway.foo.bar\n200 Added to table\n('newuser','sip:666@gateway.foo.bar') to 'location'\n");
  assert.deepEqual(seen.at(-1)!.params, ['location', 'newuser', 'sip:666@gateway.foo.bar', '1073741823', '1.00']);

  const ping = await serctl(['ping', 'sip:phone@192.0.2.7'], { cwd: dir, env });
  assert.equal(ping.status, 0, ping.stderr);
  assert.match(ping.stdout, /^200 OK\n/);
  const p = seen.at(-1)!.params;
  assert.deepEqual(p.slice(0, 3), ['OPTIONS', 'sip:phone@192.0.2.7', '.']);
  assert.match(p[3]!, /^From: <sip:daemon@foo\.bar>;tag=/);
  assert.equal(p[4], 'To: <sip:phone@192.0.2.7>');
  assert.deepEqual(p.slice(-2), ['.', '.']);

  const cisco = await serctl(['cisco_restart', 'sip:phone@192.0.2.7'], { cwd: dir, env });
  assert.equal(cisco.status, 0, cisco.stderr);
  assert.ok(seen.at(-1)!.params.includes('Event: check-sync'));
  assert.equal(seen.at(-1)!.params[0], 'NOTIFY');

  const silent = await serctl(['fifo', 'silent'], { cwd: dir, env });
  assert.equal(silent.status, 1);
  assert.match(silent.stderr, /no reply to 'silent' .* within 1 s — is ser running with fifo=/);
});

const serCfg = (port: number, fifo: string) => `${registrarCfgHead(port, fifo)}route{
	if (method=="REGISTER") { save("location"); break; };
	lookup("aliases");
	if (!lookup("location")) { sl_send_reply("404", "Not Found"); break; };
	t_relay();
}
`;

test('serctl against a running ser with fifo=: ul add/show/rm, fifo uptime/which/foobar, ps, monitor, ping', { timeout: 90_000 }, async (t) => {
  const dir = tempDir(t, 'serctl-ser-');
  const fifo = path.join(dir, 'ser_fifo');
  const port = await freePort();
  const cfg = writeCfg(dir, 'ser.cfg', serCfg(port, fifo));
  killMatchingAfter(t, cfg);
  await startListening(t, ['-D', '-f', cfg], { cwd: dir });
  assert.ok(await waitUntil(() => existsSync(fifo), 5000), 'ser made its FIFO');
  const env = { SER_FIFO: fifo, SIP_DOMAIN: 'foo.bar', SER_DB_URL: `sqlite://${path.join(dir, 'ser.db')}` };

  await t.test('ul add, show, rm as the admin guide §3.2.1 transcript', async () => {
    const add = await serctl(['ul', 'add', 'newuser', 'sip:666@gateway.foo.bar'], { cwd: dir, env });
    assert.equal(add.status, 0, add.stderr + add.stdout);
    assert.equal(add.stdout, "sip:666@gateway.foo.bar\n200 Added to table\n('newuser','sip:666@gateway.foo.bar') to 'location'\n");
    const show = await serctl(['ul', 'show', 'newuser'], { cwd: dir, env });
    assert.equal(show.status, 0, show.stderr);
    assert.match(show.stdout, /^<sip:666@gateway\.foo\.bar>;q=1\.00;expires=\d+\n$/);
    const rm = await serctl(['ul', 'rm', 'newuser'], { cwd: dir, env });
    assert.equal(rm.status, 0, rm.stderr);
    assert.equal(rm.stdout, '200 user (location, newuser) deleted\n');
    const gone = await serctl(['ul', 'show', 'newuser'], { cwd: dir, env });
    assert.equal(gone.status, 1);
    assert.match(gone.stdout, /404 Username newuser in table location not found/);
  });

  await t.test('alias add goes through the FIFO when ser runs', async () => {
    const add = await serctl(['alias', 'add', '1234', 'sip:john.doe@foo.bar'], { cwd: dir, env });
    assert.equal(add.status, 0, add.stderr);
    assert.equal(add.stderr, '');
    assert.match(add.stdout, /\('1234','sip:john\.doe@foo\.bar'\) to 'aliases'/);
    const show = await serctl(['alias', 'show', '1234'], { cwd: dir, env });
    assert.match(show.stdout, /^<sip:john\.doe@foo\.bar>;q=1\.00;expires=\d+\n$/);
  });

  await t.test('fifo uptime, which, foobar (Examples 4-6 and 4-8)', async () => {
    const up = await serctl(['fifo', 'uptime'], { cwd: dir, env });
    assert.equal(up.status, 0, up.stderr);
    assert.match(up.stdout, /^Now: .+\nUp Since: .+\nUp time: \d+ \[sec\]\n$/);
    const which = await serctl(['fifo', 'which'], { cwd: dir, env });
    assert.equal(which.status, 0);
    for (const c of ['ps', 'which', 'version', 'uptime', 'print', 'ul_add', 't_uac_dlg']) assert.match(which.stdout, new RegExp(`^${c}$`, 'm'));
    const foo = await serctl(['fifo', 'foobar'], { cwd: dir, env });
    assert.equal(foo.status, 1);
    assert.match(foo.stdout, /^500 command 'foobar' not available\n$/);
  });

  await t.test('ps (Example 3-3)', async () => {
    const ps = await serctl(['ps'], { cwd: dir, env });
    assert.equal(ps.status, 0, ps.stderr);
    assert.match(ps.stdout, /^0 \d+ attendant\n/);
    assert.match(ps.stdout, new RegExp(`receiver child=0 sock=0 @ 127\\.0\\.0\\.1::${port}`));
    assert.match(ps.stdout, /\d+ \d+ fifo server\n/);
    assert.match(ps.stdout, /\d+ \d+ timer\n$/);
  });

  await t.test('monitor prints one screen of Example 5-2 when its output is not a terminal', async () => {
    const m = await serctl(['monitor'], { cwd: dir, env });
    assert.equal(m.status, 0, m.stderr);
    assert.match(m.stdout, /^\[cycle #: 1; if constant make sure server lives and fifo is on\]\nServer: Sip EXpress router/);
    for (const s of ['Up time: ', 'Transaction Statistics', 'Stateless Server Statistics', 'UsrLoc Stats', "'location'"]) assert.ok(m.stdout.includes(s), s);
  });

  await t.test('ping a SIPp UAS: OPTIONS from the server, 200 OK, exit 0', async () => {
    const uasPort = await freePort();
    const sipp = startSipp(['-sn', 'uas', '-aa', '-i', '127.0.0.1', '-p', String(uasPort)]);
    t.after(() => killTree(sipp.pid ?? 0, 500));
    await new Promise((r) => setTimeout(r, 500));
    const ping = await serctl(['ping', `sip:uas@127.0.0.1:${uasPort}`], { cwd: dir, env, timeoutMs: 45_000 });
    assert.equal(ping.status, 0, ping.stdout + ping.stderr);
    assert.match(ping.stdout, /^200 OK\n/);
    assert.match(ping.stdout, /CSeq: 1 OPTIONS/);
  });
});

test('serctl start and stop: ser in the background with the pid file of SER_PID_FILE', { timeout: 60_000 }, async (t) => {
  const dir = tempDir(t, 'serctl-start-');
  const fifo = path.join(dir, 'ser_fifo');
  const port = await freePort();
  const cfg = writeCfg(dir, 'ser.cfg', serCfg(port, fifo).replace('log_stderror=yes\n', ''));
  killMatchingAfter(t, cfg);
  const pidFile = path.join(dir, 'ser.pid');
  const env = { SER_PID_FILE: pidFile, SER_FIFO: fifo, SIP_DOMAIN: 'foo.bar' };
  const start = await serctl(['-f', cfg, 'start'], { cwd: dir, env });
  assert.equal(start.status, 0, start.stdout + start.stderr);
  const m = /started pid\((\d+)\)/.exec(start.stdout);
  assert.ok(m, start.stdout);
  const pid = Number(m[1]);
  t.after(() => killTree(pid, 500));
  assert.equal(readFileSync(pidFile, 'utf8').trim(), String(pid));
  assert.ok(isAlive(pid));
  const again = await serctl(['-f', cfg, 'start'], { cwd: dir, env });
  assert.equal(again.status, 1);
  assert.match(again.stderr, /PID file exists!/);
  const ps = await serctl(['ps'], { cwd: dir, env });
  assert.match(ps.stdout, new RegExp(`^0 ${pid} attendant`));
  const stop = await serctl(['stop'], { cwd: dir, env });
  assert.equal(stop.status, 0, stop.stderr);
  assert.equal(stop.stdout, 'Stopping SER : stopped\n');
  assert.equal(isAlive(pid), false);
  assert.equal(existsSync(pidFile), false);
  const stop2 = await serctl(['stop'], { cwd: dir, env });
  assert.equal(stop2.status, 1);
  assert.match(stop2.stderr, /No PID file found!/);
});
