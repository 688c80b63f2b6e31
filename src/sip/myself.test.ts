import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Myself } from './myself.js';
import type { SocketInfo } from './transport/socket-info.js';

const SOCK: SocketInfo = {
  id: 0, proto: 'udp', address: '192.0.2.1', port: 5060, family: 4, name: 'sip.example.com', viaHost: '192.0.2.1', viaPort: 5060, hostport: '192.0.2.1:5060',
};

test('myself: listen names by port, aliases on any port', () => {
  const me = new Myself([SOCK]);
  me.add('alias.example.com');
  assert.ok(me.isMyself('192.0.2.1', undefined));
  assert.ok(me.isMyself('SIP.example.com', 5060));
  assert.ok(!me.isMyself('sip.example.com', 5070));
  assert.ok(me.isMyself('alias.example.com', 5070));
  assert.ok(!me.isMyself('other.example.com', undefined));
});

test('myself: a host check adds names on any port, asked only when the names do not answer', () => {
  const me = new Myself([SOCK]);
  const asked: string[] = [];
  me.addHostCheck((h) => {
    asked.push(h);
    return h.toLowerCase() === 'hosted.example';
  });
  assert.ok(me.isMyself('192.0.2.1', 5060));
  assert.deepEqual(asked, [], 'a listen address does not need the check');
  assert.ok(me.isMyself('Hosted.Example', 5080));
  assert.ok(!me.isMyself('other.example', undefined));
  // a known name on another port: the check still decides
  assert.ok(!me.isMyself('sip.example.com', 5070));
  assert.deepEqual(asked, ['Hosted.Example', 'other.example', 'sip.example.com']);
});
