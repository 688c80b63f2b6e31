import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { E_EXEC } from '../../script/ser-error.js';
import { execDset, execMsg } from './index.js';
import { ctxOf, execState, requestText } from './testing.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'exec-unit-'));

test('exec_msg: the request bytes on standard input, the environment set; true on status 0', async () => {
  const { st } = execState();
  const text = requestText();
  const ctx = ctxOf(text);
  const out = path.join(tmp, 'msg.txt');
  const r = await execMsg(st, ctx, `printenv SRCIP > ${out}; echo "$SIP_HF_FROM|$SIP_OUSER" >> ${out}; cat >> ${out}`);
  assert.equal(r, 1);
  assert.equal(readFileSync(out, 'latin1'), `195.37.77.100\n"alice" <sip:alice@iptel.org>;tag=76ff7a07|jiri\n${text}`);
});

test('exec_msg: a non-zero exit gives false (logged at info), not E_EXEC', async () => {
  const { st, sink } = execState();
  const ctx = ctxOf(requestText());
  assert.equal(await execMsg(st, ctx, 'echo no such user >&2; exit 1'), -1);
  assert.notEqual(ctx.serError, E_EXEC);
  assert.ok(sink.lines.some((l) => /exec_msg: "echo no such user >&2; exit 1" exited with status 1: false; its standard error: no such user/.test(l)));
});

test('exec_dset: Example 2-20 — the first line replaces the Request-URI, the others become branches', async () => {
  const { st } = execState();
  const ctx = ctxOf(requestText());
  ctx.branches.push('sip:old@branch');
  assert.equal(await execDset(st, ctx, { cmd: 'echo sip:mra@iptel.org;echo sip:mrb@iptel.org;echo>/dev/null', strict: false }), 1);
  assert.equal(ctx.newUri, 'sip:mra@iptel.org');
  assert.deepEqual(ctx.branches, ['sip:mrb@iptel.org'], 'the destination set is replaced (guide §2.4)');
});

test('exec_dset: the current URI is appended as the last argument; its characters are not shell syntax', async () => {
  const { st } = execState();
  const ctx = ctxOf(requestText());
  ctx.newUri = 'sip:$(touch${IFS}/tmp/pwned)@x;a=`id`';
  const marker = path.join(tmp, 'args.txt');
  assert.equal(await execDset(st, ctx, { cmd: `printf '%s\\n' > ${marker}`, strict: false }), -1, 'printf printed to the file: no URI');
  assert.equal(readFileSync(marker, 'latin1'), 'sip:$(touch${IFS}/tmp/pwned)@x;a=`id`\n');
  const ctx2 = ctxOf(requestText());
  assert.equal(await execDset(st, ctx2, { cmd: 'echo', strict: false }), 1, '"echo" + URI echoes the URI');
  assert.equal(ctx2.newUri, 'sip:jiri@iptel.org');
});

test('exec_dset: bad URIs are dropped and logged; the good ones stay', async () => {
  const { st, sink } = execState();
  const ctx = ctxOf(requestText());
  assert.equal(await execDset(st, ctx, { cmd: "printf 'not a uri\\nsip:a@b\\nhttp://x\\nsip:c@d\\n'; true", strict: false }), 1);
  assert.equal(ctx.newUri, 'sip:a@b');
  assert.deepEqual(ctx.branches, ['sip:c@d']);
  assert.ok(sink.lines.some((l) => /WARNING: exec_dset: .*output line 1 "not a uri" is not a usable URI .*dropped/.test(l)));
  assert.ok(sink.lines.some((l) => /output line 3 "http:\/\/x" .*dropped/.test(l)));
});

test('exec_dset with validation on: one bad line and nothing changes, false', async () => {
  const { st, sink } = execState();
  const ctx = ctxOf(requestText());
  assert.equal(await execDset(st, ctx, { cmd: "printf 'sip:a@b\\nbad\\n'; true", strict: true }), -1);
  assert.equal(ctx.newUri, undefined);
  assert.equal(ctx.serError, E_EXEC);
  assert.ok(sink.lines.some((l) => /bad URI line\(s\) with validation on/.test(l)));
});

test('exec_dset: a non-zero exit is false and leaves the destination set alone; no URI at all is false', async () => {
  const { st, sink } = execState();
  const ctx = ctxOf(requestText());
  assert.equal(await execDset(st, ctx, { cmd: 'echo sip:x@y; exit 2; true', strict: false }), -1);
  assert.equal(ctx.newUri, undefined);
  assert.equal(await execDset(st, ctx, { cmd: 'true', strict: false }), -1);
  assert.ok(sink.lines.some((l) => /no URI in its output: false/.test(l)));
});

test('a program that sleeps forever is killed after time_to_kill and the call is false, logged', async () => {
  const { st, sink } = execState({ time_to_kill: 1 });
  const ctx = ctxOf(requestText());
  const t0 = Date.now();
  assert.equal(await execMsg(st, ctx, 'sleep 100000'), -1);
  const took = Date.now() - t0;
  assert.ok(took >= 950 && took < 4000, `took ${took} ms`);
  assert.equal(ctx.serError, E_EXEC);
  assert.ok(sink.lines.some((l) => /ERROR: exec_msg: "sleep 100000" killed \(SIGKILL\): still running after time_to_kill \(1 s\): false/.test(l)));
});

test('exec_dset of a program printing 10 MB: cut at max_output, killed, false, logged', async () => {
  const { st, sink } = execState({ max_output: 65536 });
  const ctx = ctxOf(requestText());
  const t0 = Date.now();
  assert.equal(await execDset(st, ctx, { cmd: 'yes sip:flood@example.com | head -c 10000000; sleep 30; :', strict: false }), -1);
  assert.ok(Date.now() - t0 < 4000);
  assert.equal(ctx.newUri, undefined);
  assert.ok(sink.lines.some((l) => /ERROR: exec_dset: ".*" killed \(SIGKILL\): its output exceeded max_output \(65536 bytes\) and was cut: false/.test(l)));
});

test('beyond max_children the call is false at once, logged (throttled)', async () => {
  const { st, sink } = execState({ max_children: 1 });
  const slow = execMsg(st, ctxOf(requestText()), 'sleep 0.3');
  const ctx = ctxOf(requestText());
  const t0 = Date.now();
  for (let i = 0; i < 20; i++) assert.equal(await execMsg(st, ctx, 'true'), -1);
  assert.ok(Date.now() - t0 < 200);
  assert.equal(await slow, 1);
  const refusals = sink.lines.filter((l) => /exec_msg: "true" not started: 1 programs running, the limit \(max_children\) is 1: false/.test(l));
  assert.equal(refusals.length, 5, 'five a second in full');
});
