import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RpcRegistry } from '../script/rpc.js';
import { ctime, registerCoreCommands } from './core-commands.js';

const SOCK = { id: 0, proto: 'udp', address: '127.0.0.1', port: 5060, family: 4, name: '127.0.0.1', viaHost: '127.0.0.1', viaPort: 5060, hostport: '127.0.0.1:5060' } as const;

function setup(now = new Date(2002, 11, 6, 17, 56, 10)) {
  const r = new RpcRegistry();
  registerCoreCommands(r, { serverHeader: 'Server: Sip EXpress router (0.1.0 (x64/linux))', startedAt: new Date(2002, 11, 6, 17, 56, 7), socketList: [SOCK], workerPids: () => [], fifoPath: '/tmp/ser_fifo' }, () => now);
  return r;
}

test('ctime is C\'s: day, month, space-padded date', () => {
  assert.equal(ctime(new Date(2002, 11, 6, 17, 56, 10)), 'Fri Dec  6 17:56:10 2002');
});

test('uptime prints what Example 4-6 shows', async () => {
  const r = setup();
  const u = await r.call(r.get('uptime')!, {});
  assert.equal(u.text, 'Now: Fri Dec  6 17:56:10 2002\nUp Since: Fri Dec  6 17:56:07 2002\nUp time: 3 [sec]\n');
  assert.deepEqual((u.value as { uptime: number }).uptime, 3);
});

test('which lists the core commands of Example 4-6 first; ps has the lines of Example 3-3', async () => {
  const r = setup();
  assert.deepEqual((await r.call(r.get('which')!, {})).text.split('\n').slice(0, 5), ['ps', 'which', 'arg', 'pwd', 'version']);
  const ps = (await r.call(r.get('ps')!, {})).text.split('\n');
  assert.equal(ps[0], `0 ${process.pid} attendant`);
  assert.equal(ps[1], `1 ${process.pid} receiver child=0 sock=0 @ 127.0.0.1::5060 udp`);
  assert.equal(ps[2], `2 ${process.pid} fifo server`);
  assert.equal(ps[3], `3 ${process.pid} timer`);
  assert.equal((await r.call(r.get('print')!, { text: 'hello' })).text, 'hello\n');
  assert.equal((await r.call(r.get('version')!, {})).text, 'Server: Sip EXpress router (0.1.0 (x64/linux))\n');
});
