import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ChildRunner } from './child-runner.js';

const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
const limits = { timeoutMs: 5000, maxChildren: 4, maxOutput: 65536 };

/** Running (a zombie is dead: in a container nobody may reap it). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return !/^\d+ \(.*\) [ZX]/.test(stat);
  } catch {
    return false;
  }
}

test('exit status, standard input, captured output, positional parameters', async () => {
  const r = new ChildRunner(limits);
  const ok = await r.run({ command: 'read line; echo "got $line $1"', args: ['sip:a@b;x=$(false)'], env, input: Buffer.from('hello\n'), captureOutput: true });
  assert.equal(ok.status, 'exited');
  assert.equal(ok.status === 'exited' && ok.code, 0);
  assert.equal(ok.status === 'exited' && ok.output.toString(), 'got hello sip:a@b;x=$(false)\n');
  const bad = await r.run({ command: 'echo oops >&2; exit 3', env });
  assert.deepEqual(bad.status === 'exited' && [bad.code, bad.stderr], [3, 'oops\n']);
  assert.equal(r.running, 0);
});

test('a program that does not read its input is not an error (EPIPE ignored)', async () => {
  const r = new ChildRunner(limits);
  const o = await r.run({ command: 'exit 0', env, input: Buffer.alloc(1024 * 1024, 0x41) });
  assert.equal(o.status === 'exited' && o.code, 0);
});

test('a program that sleeps forever is killed with its process group after the limit', async () => {
  const r = new ChildRunner({ ...limits, timeoutMs: 300 });
  const t0 = Date.now();
  // the shell starts sleep in the background holding the output pipe, then waits itself
  const o = await r.run({ command: 'sleep 1000 & echo $! ; wait', env, captureOutput: true });
  const took = Date.now() - t0;
  assert.equal(o.status, 'timeout');
  assert.ok(took >= 290 && took < 3000, `took ${took} ms`);
  const pid = Number(o.status === 'timeout' && o.output.toString().trim());
  assert.ok(pid > 0);
  await new Promise((res) => setTimeout(res, 100));
  assert.equal(alive(pid), false, 'the grandchild is gone too');
  assert.equal(r.running, 0);
});

test('10 MB of output is cut at the bound and the program killed', async () => {
  const r = new ChildRunner({ ...limits, maxOutput: 65536 });
  const t0 = Date.now();
  const o = await r.run({ command: 'head -c 10000000 /dev/zero | tr "\\0" "a"; sleep 30', env, captureOutput: true });
  assert.equal(o.status, 'output-limit');
  assert.equal(o.status === 'output-limit' && o.output.length, 65536);
  assert.ok(Date.now() - t0 < 3000);
});

test('beyond max_children a run is refused at once; the slot is free again afterwards', async () => {
  const r = new ChildRunner({ ...limits, maxChildren: 2 });
  const slow = [r.run({ command: 'sleep 0.3', env }), r.run({ command: 'sleep 0.3', env })];
  assert.equal(r.running, 2);
  const refused = await r.run({ command: 'true', env });
  assert.deepEqual(refused, { status: 'busy', running: 2 });
  await Promise.all(slow);
  const again = await r.run({ command: 'true', env });
  assert.equal(again.status === 'exited' && again.code, 0);
});

test('a program killed by a signal; a program left running by an exited shell does not hold exec_msg', async () => {
  const r = new ChildRunner(limits);
  const o = await r.run({ command: 'kill -TERM $$', env });
  assert.deepEqual(o.status === 'signaled' && o.signal, 'SIGTERM');
  const t0 = Date.now();
  const bg = await r.run({ command: 'sleep 0.5 & exit 0', env });
  assert.equal(bg.status === 'exited' && bg.code, 0);
  assert.ok(Date.now() - t0 < 400);
});

test('close() kills what runs', async () => {
  const r = new ChildRunner(limits);
  const p = r.run({ command: 'sleep 1000', env });
  r.close();
  const o = await p;
  assert.equal(o.status, 'signaled');
  assert.equal((await r.run({ command: 'true', env })).status, 'spawn-failed');
});
