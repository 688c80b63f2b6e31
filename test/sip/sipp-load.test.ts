import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { freePort } from '../helpers/ports.js';
import { runSipp } from '../helpers/sipp.js';
import { startServer } from '../helpers/server.js';

// The S1 benchmark's config (shared/bench/ser/stateless.cfg), with only its port changed, under
// a short SIPp load: every OPTIONS gets its 200. Bounded: 3000 transactions.

test('stateless.cfg answers 3000 SIPp OPTIONS without a failure', async (t) => {
  const port = await freePort();
  const cfg = readFileSync(path.resolve('test/fixtures/cfg/bench/stateless.cfg'), 'utf8').replace('port=5060', `port=${port}`);
  const srv = await startServer(cfg, { port });
  t.after(() => srv.stop());
  const res = await runSipp(
    [`127.0.0.1:${port}`, '-sf', path.resolve('test/fixtures/sipp/options.xml'), '-i', '127.0.0.1', '-p', String(await freePort()), '-m', '3000', '-r', '3000', '-l', '100', '-recv_timeout', '3000'],
    60_000,
  );
  assert.equal(res.failed, 0, res.stdout);
  assert.equal(res.successful, 3000, res.stdout);
});
