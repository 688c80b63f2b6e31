// The command line of admin guide §6.3: -V, -h, bad options, -t (chroot, refused), -u/-g.

import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { freePort } from '../helpers/ports.js';
import { UdpPeer } from '../helpers/sip-peer.js';
import { killMatchingAfter, killTree, options, pidsMatching, ROOT, runSer, SER_JS, SerProcess, startListening, tempDir, waitUntil, writeCfg, type SerResult } from './cli-helpers.js';

const VERSION = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/** Every option letter of §6.3. */
const GUIDE_OPTIONS = ['h', 'c', 'r', 'R', 'v', 'd', 'D', 'E', 'V', 'f', 'l', 'p', 'n', 'b', 'm', 'w', 't', 'u', 'g', 'P', 'i'];

function assertNoStackTrace(r: { stdout: string; stderr: string }): void {
  const all = r.stdout + r.stderr;
  assert.doesNotMatch(all, /^\s+at .+\(?(file:|node:)/m, `stack trace in the output:\n${all}`);
  assert.doesNotMatch(all, /\bERR_[A-Z_]+\b|Error \[/, `raw Node.js error in the output:\n${all}`);
}

test('ser -V prints a version line and exits 0', { timeout: 15_000 }, async (t) => {
  const dir = tempDir(t);
  const r = await runSer(t, ['-V'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  const first = r.stdout.split('\n')[0]!;
  assert.match(first, /^version: ser \d+\.\d+\.\d+ \([^/() ]+\/[^/() ]+\)$/);
  assert.ok(first.includes(` ${VERSION} `), `version ${VERSION} from package.json in "${first}"`);
  assert.equal(r.stderr, '');
  // --version is the same
  const r2 = await runSer(t, ['--version'], { cwd: dir });
  assert.equal(r2.code, 0);
  assert.equal(r2.stdout, r.stdout);
});

test('bin/ser.js runs by itself, through its #! line and the V8 flags it carries', { timeout: 15_000 }, async () => {
  // the way `npx ser` and an installed `ser` start it: env -S splits "node --single-threaded-gc ..."
  const r = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    execFile(SER_JS, ['-V'], { timeout: 10_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^version: ser /);
  assert.match(
    readFileSync(SER_JS, 'utf8').split('\n')[0]!,
    /^#!\/usr\/bin\/env -S -u NODE_EXTRA_CA_CERTS SER_NODE_EXTRA_CA_CERTS=\$\{NODE_EXTRA_CA_CERTS\} node --single-threaded-gc --min-semi-space-size=8 --max-semi-space-size=8 --no-memory-reducer$/,
  );
});

test('through its #! line, Node starts without NODE_EXTRA_CA_CERTS; the programs exec runs get it back', { timeout: 30_000 }, async (t) => {
  const dir = tempDir(t);
  const port = await freePort();
  const ca = path.join(dir, 'extra ca.pem');
  writeFileSync(ca, '');
  const seen = path.join(dir, 'child-env');
  const cfg = writeCfg(
    dir,
    'ser.cfg',
    `listen=udp:127.0.0.1:${port}\nloadmodule "sl.so"\nloadmodule "exec.so"\n` +
      `route {\n  exec_msg("printenv NODE_EXTRA_CA_CERTS > '${seen}'; printenv SER_NODE_EXTRA_CA_CERTS >> '${seen}'; echo end >> '${seen}'");\n  sl_send_reply("200", "OK");\n}\n`,
  );
  // as an installed `ser` starts: the file itself, run by the kernel through env -S
  const child = spawn(SER_JS, ['-D', '-E', '-f', cfg], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_EXTRA_CA_CERTS: ca } });
  const ser = new SerProcess(child);
  t.after(() => killTree(child.pid!, 1000));
  assert.ok(await ser.waitOutput(/^Aliases:/m, 10_000, 'stdout'), ser.output);
  // env execs node in place: the environment Node started with is the process's own
  const environ = readFileSync(`/proc/${child.pid}/environ`, 'latin1').split('\0');
  assert.ok(!environ.some((v) => v.startsWith('NODE_EXTRA_CA_CERTS=')), 'Node started without NODE_EXTRA_CA_CERTS');
  assert.ok(environ.includes(`SER_NODE_EXTRA_CA_CERTS=${ca}`), 'its value kept aside');
  const peer = await UdpPeer.open();
  t.after(() => peer.close());
  peer.send(options({ port, viaPort: peer.port }), port);
  assert.ok(await peer.next(5000), `a reply\n${ser.output}`);
  assert.ok(await waitUntil(() => existsSync(seen) && readFileSync(seen, 'utf8').endsWith('end\n'), 5000), ser.output);
  // the child: the user's NODE_EXTRA_CA_CERTS, and nothing of ours
  assert.equal(readFileSync(seen, 'utf8'), `${ca}\nend\n`);
});

test('ser -h prints the usage with every §6.3 option and exits 0', { timeout: 15_000 }, async (t) => {
  const dir = tempDir(t);
  const r = await runSer(t, ['-h'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Usage: ser /);
  for (const o of GUIDE_OPTIONS) {
    assert.match(r.stdout, new RegExp(`^\\s+-${o}\\b`, 'm'), `-${o} is described in the usage`);
  }
  assert.equal(r.stderr, '');
  const r2 = await runSer(t, ['--help'], { cwd: dir });
  assert.equal(r2.code, 0);
  assert.equal(r2.stdout, r.stdout);
});

for (const [what, args, re] of [
  ['an unknown option', ['-X'], /unknown option -X/],
  ['an unknown option inside a group', ['-dDX'], /unknown option -X/],
  ['an option without its value', ['-f'], /-f needs a value/],
  ['a port that is not a number', ['-p', 'sip'], /-p: 'sip'/],
  ['a port out of range', ['-p', '70000'], /-p: '70000'/],
  ['a stray argument', ['ser.cfg'], /unexpected argument 'ser\.cfg'/],
] as const) {
  test(`ser with ${what} exits 2 and prints the usage on stderr`, { timeout: 15_000 }, async (t) => {
    const dir = tempDir(t);
    const r = await runSer(t, args, { cwd: dir });
    assert.equal(r.timedOut, false);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, re);
    assert.match(r.stderr, /^Usage: ser /m);
    assert.equal(r.stdout, '', 'nothing on stdout');
    assertNoStackTrace(r);
  });
}

test('ser -t /tmp (chroot) is refused with exit 2 and a clear message', { timeout: 15_000 }, async (t) => {
  const dir = tempDir(t);
  const r = await runSer(t, ['-t', '/tmp', '-D', '-f', path.join(ROOT, 'etc', 'ser.cfg')], { cwd: dir });
  assert.equal(r.timedOut, false);
  assert.equal(r.code, 2, r.stdout + r.stderr);
  assert.match(r.stderr, /-t \/tmp/);
  assert.match(r.stderr, /chroot/i);
  assert.match(r.stderr, /not supported/i);
  assert.doesNotMatch(r.stdout, /Listening on/);
  assertNoStackTrace(r);
});

/** A foreground-able config on a free port, plus a unique path to find leftovers by. */
async function cfgOnFreePort(t: Parameters<typeof tempDir>[0]) {
  const dir = tempDir(t);
  const port = await freePort();
  const cfg = writeCfg(dir, 'ug.cfg', `listen=127.0.0.1\nport=${port}\nlog_stderror=yes\nloadmodule "sl.so"\nroute{\n\tsl_send_reply("200", "OK");\n}\n`);
  killMatchingAfter(t, cfg);
  return { dir, port, cfg };
}

function assertCleanFailure(r: SerResult, what: RegExp): void {
  assert.equal(r.timedOut, false, `ser did not exit within the timeout (it had to be killed):\n${r.stdout}\n${r.stderr}`);
  assert.notEqual(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stderr, what);
  assertNoStackTrace(r);
}

// We run as root here, so the "-u needs root" refusal cannot be tested; a user or group that
// does not exist must fail as cleanly instead.
test('ser -D -u with a nonexistent user fails cleanly: non-zero exit, a message, no stack trace', {
  timeout: 20_000,
}, async (t) => {
  const { dir, cfg } = await cfgOnFreePort(t);
  const r = await runSer(t, ['-D', '-u', 'no_such_user_ser_test', '-f', cfg], { cwd: dir, timeoutMs: 5000 });
  assertCleanFailure(r, /no_such_user_ser_test/);
});

test('ser -D -g with a nonexistent group fails cleanly: non-zero exit, a message, no stack trace', {
  timeout: 20_000,
}, async (t) => {
  const { dir, cfg } = await cfgOnFreePort(t);
  const r = await runSer(t, ['-D', '-g', 'no_such_group_ser_test', '-f', cfg], { cwd: dir, timeoutMs: 5000 });
  assertCleanFailure(r, /no_such_group_ser_test/);
});

test('ser -u with a nonexistent user in daemon mode fails cleanly and leaves no daemon behind', {
  timeout: 20_000,
}, async (t) => {
  const { dir, cfg } = await cfgOnFreePort(t);
  const r = await runSer(t, ['-u', 'no_such_user_ser_test', '-f', cfg], { cwd: dir, timeoutMs: 5000 });
  const left = await pidsMatching(cfg);
  assertCleanFailure(r, /no_such_user_ser_test/);
  assert.deepEqual(left, [], 'no ser process left running');
});

test('ser -D -u root (an existing user) starts and listens', { timeout: 20_000 }, async (t) => {
  if (process.getuid?.() !== 0) {
    t.skip('needs root');
    return;
  }
  const { dir, port, cfg } = await cfgOnFreePort(t);
  const p = await startListening(t, ['-D', '-u', 'root', '-f', cfg], { cwd: dir });
  assert.match(p.stdout, new RegExp(`udp: 127\\.0\\.0\\.1 \\[127\\.0\\.0\\.1\\]:${port}`));
});
