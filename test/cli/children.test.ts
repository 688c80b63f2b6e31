// Several processes serving the same sockets.
//
// How the option maps to processes is the lead's call and may change. What the code does now
// (src/daemon/main.ts + workers.ts): `workers=N` (default 1) makes the main process start N-1
// worker processes (child_process.fork, sockets handed over IPC), with fork=yes or no, -D or
// not. SER's `children=N` (and `-n N`) is accepted but starts no process ("replaced by one
// non-blocking event loop", src/script/core-options.ts, docs/architecture.md). These tests
// follow that mapping.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { freePort } from '../helpers/ports.js';
import { UdpPeer } from '../helpers/sip-peer.js';
import { childPids, header, isAlive, options, SHIPPED_CFG, startListening, statusLine, tempDir, waitUntil, writeCfg, type Ctx } from './cli-helpers.js';

const cfgText = (port: number, extra: string) =>
  `listen=127.0.0.1\nport=${port}\nfork=yes\nlog_stderror=yes\n${extra}\nloadmodule "/usr/lib/ser/modules/sl.so"\nroute{\n\tsl_send_reply("200", "OK");\n}\n`;

/** Wait until `pid` has exactly `n` child processes; returns them (or what there is after `ms`). */
async function waitChildren(pid: number, n: number, ms: number): Promise<number[]> {
  let kids: number[] = [];
  await waitUntil(async () => {
    kids = await childPids(pid);
    return kids.length === n;
  }, ms);
  return kids;
}

/**
 * Send `count` OPTIONS one after the other; every one must be answered 200. Like a UA over UDP,
 * a request is retransmitted every 500 ms (RFC 3261 Timer E) up to 2 s: a datagram that lands in
 * a worker at the very moment it takes over a socket may be lost. Returns the answering pids.
 */
async function sequentialOptions(port: number, count: number): Promise<Map<string, number>> {
  const peer = await UdpPeer.open();
  const byPid = new Map<string, number>();
  try {
    for (let i = 0; i < count; i++) {
      const callId = `seq-${i}-${Date.now()}@cli-test`;
      const req = options({ port, viaPort: peer.port, callId });
      let reply: Buffer | undefined;
      for (let k = 0; k < 4 && !reply; k++) {
        peer.send(req, port);
        reply = await peer.next(500);
      }
      assert.ok(reply, `OPTIONS #${i + 1} of ${count} answered within 2 s`);
      assert.equal(statusLine(reply), 'SIP/2.0 200 OK', `reply #${i + 1}`);
      assert.equal(header(reply, 'Call-ID'), callId, `reply #${i + 1} is for request #${i + 1}`);
      const pid = /pid=(\d+)/.exec(header(reply, 'Warning') ?? '')?.[1] ?? '?';
      byPid.set(pid, (byPid.get(pid) ?? 0) + 1);
    }
  } finally {
    peer.close();
  }
  return byPid;
}

async function startWithWorkers(t: Ctx, extra: string, args: string[] = []) {
  const dir = tempDir(t);
  const port = await freePort();
  const cfg = writeCfg(dir, 'children.cfg', cfgText(port, extra));
  const ser = await startListening(t, ['-D', ...args, '-f', cfg], { cwd: dir });
  // whatever happens, no worker survives the test (they are re-parented if the main one dies)
  const seen = new Set<number>();
  t.after(async () => {
    for (const p of seen) {
      if (isAlive(p)) {
        try {
          process.kill(p, 'SIGKILL');
        } catch {
          // gone
        }
      }
    }
  });
  const track = async () => {
    for (const p of await childPids(ser.pid)) seen.add(p);
  };
  return { dir, port, ser, seen, track };
}

test('workers=3 with fork=yes and -D: the main process and 2 workers serve 200 OPTIONS; SIGTERM stops all three', { timeout: 60_000 }, async (t) => {
  const { port, ser, seen, track } = await startWithWorkers(t, 'children=3\nworkers=3');

  const kids = await waitChildren(ser.pid, 2, 5000);
  await track();
  assert.equal(kids.length, 2, `pgrep -P ${ser.pid} lists 2 workers, got [${kids.join(', ')}]\n${ser.output}`);
  for (const k of kids) assert.ok(isAlive(k));

  const byPid = await sequentialOptions(port, 200);
  t.diagnostic(`answers per pid: ${JSON.stringify(Object.fromEntries(byPid))}`);
  const total = [...byPid.values()].reduce((a, b) => a + b, 0);
  assert.equal(total, 200);
  for (const pid of byPid.keys()) {
    assert.ok([String(ser.pid), ...kids.map(String)].includes(pid), `answered by pid ${pid}, one of ours`);
  }

  await track();
  process.kill(ser.pid, 'SIGTERM');
  const exit = await ser.waitExit(3000);
  assert.deepEqual(exit, { code: 0, signal: null }, `main process exits 0 within 3 s\n${ser.output}`);
  const gone = await waitUntil(() => [...seen].every((p) => !isAlive(p)), 3000);
  assert.ok(gone, `workers left behind: ${[...seen].filter(isAlive).join(', ')}`);
});

test('workers=3: a worker killed with SIGKILL is replaced and the service goes on', { timeout: 60_000 }, async (t) => {
  const { port, ser, track } = await startWithWorkers(t, 'workers=3');
  const kids = await waitChildren(ser.pid, 2, 5000);
  await track();
  assert.equal(kids.length, 2, ser.output);
  process.kill(kids[0]!, 'SIGKILL');
  const replaced = await waitUntil(async () => {
    const now = await childPids(ser.pid);
    return now.length === 2 && !now.includes(kids[0]!);
  }, 5000);
  await track();
  assert.ok(replaced, `a new worker replaces pid ${kids[0]}: now [${(await childPids(ser.pid)).join(', ')}]\n${ser.output}`);
  await sequentialOptions(port, 20);
});

test('workers=3: when the main process is killed with SIGKILL, the workers exit too', { timeout: 60_000 }, async (t) => {
  const { ser, seen, track } = await startWithWorkers(t, 'workers=3');
  const kids = await waitChildren(ser.pid, 2, 5000);
  await track();
  assert.equal(kids.length, 2, ser.output);
  process.kill(ser.pid, 'SIGKILL');
  await ser.waitExit(3000);
  const gone = await waitUntil(() => [...seen].every((p) => !isAlive(p)), 3000);
  assert.ok(gone, `orphaned workers: ${[...seen].filter(isAlive).join(', ')}`);
});

test('children=3 alone (SER option) is accepted and, as mapped today, starts no extra process', { timeout: 60_000 }, async (t) => {
  const { port, ser, track } = await startWithWorkers(t, 'children=3');
  await new Promise((r) => setTimeout(r, 1000));
  await track();
  assert.deepEqual(await childPids(ser.pid), [], 'no worker process');
  await sequentialOptions(port, 20);
});

test('-n 3 is accepted and, like children=, starts no extra process (docs/architecture.md)', { timeout: 60_000 }, async (t) => {
  // NB: `ser -h` still describes -n as "Number of worker processes"; see the report.
  const dir = tempDir(t);
  const port = await freePort();
  const ser = await startListening(t, ['-D', '-n', '3', '-f', SHIPPED_CFG, '-l', '127.0.0.1', '-p', String(port)], { cwd: dir });
  await new Promise((r) => setTimeout(r, 1000));
  assert.deepEqual(await childPids(ser.pid), [], 'no worker process');
  await sequentialOptions(port, 20);
});

test('workers=3 with -u nobody: every process drops to nobody, and SIGTERM still stops all of them', {
  timeout: 60_000,
}, async (t) => {
  if (process.getuid?.() !== 0) {
    t.skip('needs root');
    return;
  }
  const { ser, seen, track } = await startWithWorkers(t, 'workers=3', ['-u', 'nobody']);
  const kids = await waitChildren(ser.pid, 2, 5000);
  await track();
  assert.equal(kids.length, 2, ser.output);
  const uidOf = (pid: number) => Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
  const nobody = uidOf(ser.pid);
  assert.notEqual(nobody, 0, 'the main process dropped root');
  for (const k of kids) assert.equal(uidOf(k), nobody, `worker ${k} runs as the same user as the main process`);
  process.kill(ser.pid, 'SIGTERM');
  const exit = await ser.waitExit(3000);
  assert.deepEqual(exit, { code: 0, signal: null }, `main process exits 0 within 3 s\n${ser.output}`);
  assert.ok(await waitUntil(() => [...seen].every((p) => !isAlive(p)), 3000), 'no worker left');
});
