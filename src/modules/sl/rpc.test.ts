import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Core } from '../../script/core-api.js';
import { RpcRegistry } from '../../script/rpc.js';
import sl from './index.js';

// sl_stats through the registry: SER 0.8's sl_stats.c lines (admin guide Example 5-2).

test('sl_stats prints the counters in the shape of SER 0.8 (Example 5-2)', async () => {
  const rpc = new RpcRegistry();
  const st = await sl.create({ rpc, log: { warn: () => {} } } as unknown as Core, {});
  const cmd = rpc.get('sl_stats')!;
  assert.equal(rpc.byJsonMethod('sl.stats'), cmd);
  const empty = await rpc.call(cmd, {});
  assert.equal(empty.code, 200);
  assert.equal(
    empty.text,
    '200: 0 202: 0 2xx: 0\n300: 0 301: 0 302: 0 3xx: 0\n400: 0 401: 0 403: 0 404: 0 407: 0 408: 0 483: 0 4xx: 0\n500: 0 5xx: 0\n6xx: 0\nxxx: 0\nfailures: 0\n',
  );
  for (const [code, n] of [[200, 3], [401, 2], [404, 1], [420, 1], [302, 1], [503, 2], [603, 1], [180, 1], [700, 1]] as const) {
    for (let i = 0; i < n; i++) st.stats.count(code, true);
  }
  st.stats.count(500, false);
  const r = await rpc.call(cmd, {});
  assert.deepEqual(r.text.split('\n'), [
    '200: 3 202: 0 2xx: 0',
    '300: 0 301: 0 302: 1 3xx: 0',
    '400: 0 401: 2 403: 0 404: 1 407: 0 408: 0 483: 0 4xx: 1',
    '500: 0 5xx: 2',
    '6xx: 1',
    'xxx: 2',
    'failures: 1',
    '',
  ]);
  const v = r.value as Record<string, number>;
  assert.equal(v['200'], 3);
  assert.equal(v['4xx'], 1);
  assert.equal(v.xxx, 2);
  assert.equal(v.failures, 1);
});
