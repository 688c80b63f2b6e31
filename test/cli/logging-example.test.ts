// Admin guide §3.7, Example 3-5 (logging.cfg): run the example as printed (only the listen
// address changed to loopback, plus a port= line), send the guide's REGISTER, and see the
// log lines the guide shows: "0(<pid>) REGISTER received", "0(<pid>) request for other domain
// received"; fork=no prints "WARNING: no fork mode"; debug=3 hides log(4, ...).

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { freePort } from '../helpers/ports.js';
import { ROOT, startListening, tempDir, udpSend, writeCfg, type SerProcess } from './cli-helpers.js';

const SEED = '/work/shared/seeds/ser-admin-guide.txt';
const FIXTURE = path.join(ROOT, 'test', 'fixtures', 'cfg', 'guide', 'ex3-05.cfg');

/** The lines of the guide between two marker lines (exclusive), without blank lines at either end. */
function between(text: string, start: RegExp, end: RegExp): string[] {
  const lines = text.split(/\r?\n/);
  const i = lines.findIndex((l) => start.test(l));
  const j = lines.findIndex((l, k) => k > i && end.test(l));
  assert.ok(i >= 0 && j > i, `markers ${start} ... ${end} not found in the guide`);
  const out = lines.slice(i + 1, j);
  while (out.length && out[0]!.trim() === '') out.shift();
  while (out.length && out[out.length - 1]!.trim() === '') out.pop();
  return out;
}

/** Example 3-5 as printed in the guide (the fixture is a verbatim copy of it). */
function loggingCfg(): string {
  const fixture = readFileSync(FIXTURE, 'utf8');
  if (existsSync(SEED)) {
    const seed = between(readFileSync(SEED, 'utf8'), /^Example 3-5\. Logging Script/, /^The following SIP message causes/).join('\n') + '\n';
    assert.equal(fixture, seed, 'test/fixtures/cfg/guide/ex3-05.cfg is Example 3-5 verbatim');
  }
  return fixture;
}

/** The guide's REGISTER request, exactly as printed, with CRLF line ends. */
const REGISTER_LINES = [
  'REGISTER sip:192.168.2.16 SIP/2.0',
  'Via: SIP/2.0/UDP 192.168.2.33:5060',
  'From: sip:113311@192.168.2.16',
  'To: sip:113311@192.168.2.16',
  'Call-ID: 00036bb9-0fd305e2-7daec266-212e5ec9@192.168.2.33',
  'Date: Thu, 27 Feb 2003 15:10:52 GMT',
  'CSeq: 101 REGISTER',
  'User-Agent: CSCO/4',
  'Contact: sip:113311@192.168.2.33:5060',
  'Content-Length: 0',
  'Expires: 600',
];

function registerMessage(): string {
  if (existsSync(SEED)) {
    const printed = between(readFileSync(SEED, 'utf8'), /^The following SIP message causes then logging output/, /^\[jiri@cat sip_router\]\$/);
    assert.deepEqual(printed, REGISTER_LINES, "the REGISTER is the guide's, line for line");
  }
  return REGISTER_LINES.join('\r\n') + '\r\n\r\n';
}

const INVITE = [
  'INVITE sip:x@iptel.org SIP/2.0',
  'Via: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bKlogexample1',
  'From: <sip:113311@127.0.0.1>;tag=a1',
  'To: <sip:x@iptel.org>',
  'Call-ID: logging-example-invite@127.0.0.1',
  'CSeq: 1 INVITE',
  'Max-Forwards: 70',
  'Content-Length: 0',
  '',
  '',
].join('\r\n');

/** Replace the example's listen address with loopback and add a port= line after it. */
function onLoopback(cfg: string, port: number): string {
  const lines = cfg.split('\n');
  const i = lines.indexOf('listen=192.168.2.16');
  assert.ok(i >= 0, 'the example has listen=192.168.2.16');
  lines.splice(i, 1, 'listen=127.0.0.1', `port=${port}`);
  return lines.join('\n');
}

/** Wait for `line` (the whole line) on stderr; returns its index in stderr. */
async function waitLine(ser: SerProcess, line: string, ms = 3000): Promise<number> {
  const re = new RegExp(`^${line.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm');
  const m = await ser.waitOutput(re, ms, 'stderr');
  assert.ok(m, `no line "${line}" on stderr within ${ms} ms\n${ser.output}`);
  return m.index!;
}

test('Example 3-5 (logging.cfg): the guide REGISTER logs "REGISTER received" then "request for other domain received"', { timeout: 30_000 }, async (t) => {
  const dir = tempDir(t);
  const port = await freePort();
  const cfg = onLoopback(loggingCfg(), port);
  writeCfg(dir, 'logging.cfg', cfg);
  // as in the guide: `ser -f examples/logging.cfg` (fork=no keeps it in the foreground)
  const ser = await startListening(t, ['-f', 'logging.cfg'], { cwd: dir });
  const pid = ser.pid;

  await t.test('start-up: the banner names the loopback socket and "WARNING: no fork mode" is printed', () => {
    assert.match(ser.stdout, new RegExp(`udp: 127\\.0\\.0\\.1 \\[127\\.0\\.0\\.1\\]:${port}$`, 'm'));
    assert.match(ser.stdout + ser.stderr, /^WARNING: no fork mode/m);
  });

  await t.test('the REGISTER of the guide: "0(pid) REGISTER received", then "0(pid) request for other domain received"', async () => {
    await udpSend(port, registerMessage());
    const a = await waitLine(ser, `0(${pid}) REGISTER received`);
    const b = await waitLine(ser, `0(${pid}) request for other domain received`);
    assert.ok(a < b, `in that order:\n${ser.stderr}`);
    assert.doesNotMatch(ser.stderr, /non-REGISTER received/);
    assert.doesNotMatch(ser.stderr, /request for iptel\.org received/);
  });

  await t.test('an INVITE for sip:x@iptel.org: "non-REGISTER received", then "request for iptel.org received"', async () => {
    const before = ser.stderr.length;
    await udpSend(port, INVITE);
    const a = await waitLine(ser, `0(${pid}) non-REGISTER received`);
    const b = await waitLine(ser, `0(${pid}) request for iptel.org received`);
    assert.ok(before <= a && a < b, `after the REGISTER lines, in that order:\n${ser.stderr}`);
  });

  await t.test('the process that logs is the one we started, and it stops on SIGTERM', async () => {
    process.kill(pid, 'SIGTERM');
    const exit = await ser.waitExit(3000);
    assert.deepEqual(exit, { code: 0, signal: null }, ser.output);
  });
});

test('Example 3-5 with debug=3: log(3, ...) is printed, log(4, ...) is not', { timeout: 30_000 }, async (t) => {
  const dir = tempDir(t);
  const port = await freePort();
  const base = onLoopback(loggingCfg(), port);
  assert.match(base, /^debug=3$/m);
  // the same script with two more log lines of levels 4 and 3, and a final marker
  const variant = base.replace(
    /\n}\n?$/,
    '\nlog(4, "level 4: not shown at debug=3\\n");\nlog(3, "level 3: shown at debug=3\\n");\nlog(1, "end of route\\n");\n}\n',
  );
  assert.notEqual(variant, base, 'variant built');
  writeCfg(dir, 'logging-debug.cfg', variant);
  const ser = await startListening(t, ['-f', 'logging-debug.cfg'], { cwd: dir });
  await udpSend(port, registerMessage());
  await waitLine(ser, `0(${ser.pid}) REGISTER received`);
  await waitLine(ser, `0(${ser.pid}) level 3: shown at debug=3`);
  await waitLine(ser, `0(${ser.pid}) end of route`);
  assert.doesNotMatch(ser.stderr, /level 4/, `log(4, ...) must not be printed at debug=3:\n${ser.stderr}`);
});

test('control: the same variant with debug=4 does print the log(4, ...) line', { timeout: 30_000 }, async (t) => {
  const dir = tempDir(t);
  const port = await freePort();
  const variant = onLoopback(loggingCfg(), port)
    .replace(/^debug=3$/m, 'debug=4')
    .replace(/\n}\n?$/, '\nlog(4, "level 4: shown at debug=4\\n");\n}\n');
  writeCfg(dir, 'logging-debug4.cfg', variant);
  const ser = await startListening(t, ['-f', 'logging-debug4.cfg'], { cwd: dir });
  await udpSend(port, registerMessage());
  await waitLine(ser, `0(${ser.pid}) level 4: shown at debug=4`);
});
