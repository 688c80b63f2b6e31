import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SipMessage } from '../parser/message.js';
import { ClientState, ClientTransaction, type ClientTxOwner } from './client-tx.js';
import { HOP, RecordingEnv, response } from './test-env.js';

// RFC 3261 Table 4 timers of the client transaction (A, B, D, E, F, K) and RFC 6026's Timer M, on a fake clock.

function setup(method: string, reliable: boolean, timeoutMs?: number) {
  const env = new RecordingEnv();
  const events: string[] = [];
  const owner: ClientTxOwner = {
    onClientResponse: (_tx, m: SipMessage) => events.push(`response ${m.status}@${env.timers.now()}`),
    onClientTimeout: (_tx, te) => events.push(`${te ? 'transport-error' : 'timeout'}@${env.timers.now()}`),
    onClientTerminated: () => events.push(`terminated@${env.timers.now()}`),
    buildAck: () => Buffer.from('ACK sip:b@x SIP/2.0\r\n\r\n'),
  };
  const req = Buffer.from(`${method} sip:b@x SIP/2.0\r\n\r\n`);
  const tx = new ClientTransaction(env, 'z9hG4bKt1', method, req, HOP, reliable, owner, { timeoutMs });
  return { env, events, tx };
}

describe('INVITE client transaction', () => {
  test('Timer A doubles from T1 over UDP; Timer B times out at 64*T1', () => {
    const { env, events, tx } = setup('INVITE', false);
    tx.start();
    env.timers.advance(40_000);
    assert.deepEqual(env.times('INVITE'), [0, 500, 1500, 3500, 7500, 15500, 31500]);
    assert.deepEqual(events, ['timeout@32000', 'terminated@32000']);
  });

  test('over TCP: no Timer A, Timer B still', () => {
    const { env, events, tx } = setup('INVITE', true);
    tx.start();
    env.timers.advance(40_000);
    assert.deepEqual(env.times('INVITE'), [0]);
    assert.deepEqual(events, ['timeout@32000', 'terminated@32000']);
  });

  test('a provisional stops Timer A and Timer B (Proceeding waits for the TU)', () => {
    const { env, events, tx } = setup('INVITE', false);
    tx.start();
    env.timers.advance(600);
    tx.onResponse(180, response(180));
    env.timers.advance(100_000);
    assert.deepEqual(env.times('INVITE'), [0, 500]);
    assert.deepEqual(events, ['response 180@600']);
    assert.equal(tx.state, ClientState.Proceeding);
  });

  test('a non-2xx final is ACKed; retransmissions of it are ACKed again in Completed; Timer D = 32 s over UDP', () => {
    const { env, events, tx } = setup('INVITE', false);
    tx.start();
    tx.onResponse(486, response(486));
    tx.onResponse(486, response(486));
    assert.deepEqual(env.times('ACK'), [0, 0]);
    assert.deepEqual(events, ['response 486@0'], 'the TU sees the final response once');
    env.timers.advance(31_999);
    assert.equal(tx.state, ClientState.Completed);
    env.timers.advance(1);
    assert.deepEqual(events.slice(1), ['terminated@32000']);
  });

  test('over TCP, Timer D is zero', () => {
    const { events, tx } = setup('INVITE', true);
    tx.start();
    tx.onResponse(603, response(603));
    assert.deepEqual(events, ['response 603@0', 'terminated@0']);
  });

  test('a 2xx: Accepted, further 2xx reach the TU, Timer M = 64*T1 (RFC 6026)', () => {
    const { env, events, tx } = setup('INVITE', false);
    tx.start();
    tx.onResponse(200, response(200));
    env.timers.advance(1000);
    tx.onResponse(200, response(200));
    tx.onResponse(486, response(486));
    assert.equal(env.times('ACK').length, 0, 'a proxy never ACKs a 2xx');
    env.timers.advance(31_000);
    assert.deepEqual(events, ['response 200@0', 'response 200@1000', 'terminated@32000']);
  });

  test('a fr_timer replaces Timer B', () => {
    const { env, events, tx } = setup('INVITE', false, 2000);
    tx.start();
    env.timers.advance(2000);
    assert.deepEqual(events, ['timeout@2000', 'terminated@2000']);
  });

  test('a send failure is reported at once', () => {
    const { env, events, tx } = setup('INVITE', false);
    env.sendOk = false;
    assert.equal(tx.start(), false);
    assert.deepEqual(events, ['transport-error@0', 'terminated@0']);
    assert.equal(env.timers.size, 0);
  });
});

describe('non-INVITE client transaction', () => {
  test('Timer E doubles from T1 up to T2 over UDP; Timer F times out at 64*T1', () => {
    const { env, events, tx } = setup('OPTIONS', false);
    tx.start();
    env.timers.advance(40_000);
    const t = env.times('OPTIONS');
    assert.deepEqual(t.slice(0, 5), [0, 500, 1500, 3500, 7500]);
    for (let i = 4; i < t.length; i++) assert.equal(t[i]! - t[i - 1]!, 4000);
    assert.deepEqual(events, ['timeout@32000', 'terminated@32000']);
  });

  test('in Proceeding, Timer E fires every T2', () => {
    const { env, tx } = setup('BYE', false);
    tx.start();
    tx.onResponse(100, response(100, 'BYE'));
    env.timers.advance(20_000);
    const t = env.times('BYE');
    assert.deepEqual(t, [0, 500, 4500, 8500, 12500, 16500]);
  });

  test('over TCP: no Timer E; Timer F still', () => {
    const { env, events, tx } = setup('BYE', true);
    tx.start();
    env.timers.advance(40_000);
    assert.deepEqual(env.times('BYE'), [0]);
    assert.deepEqual(events, ['timeout@32000', 'terminated@32000']);
  });

  test('Timer K: T4 over UDP after a final response, absorbing its retransmissions', () => {
    const { env, events, tx } = setup('BYE', false);
    tx.start();
    tx.onResponse(200, response(200, 'BYE'));
    tx.onResponse(200, response(200, 'BYE'));
    env.timers.advance(4999);
    assert.deepEqual(events, ['response 200@0']);
    env.timers.advance(1);
    assert.deepEqual(events, ['response 200@0', 'terminated@5000']);
  });

  test('over TCP, Timer K is zero', () => {
    const { events, tx } = setup('BYE', true);
    tx.start();
    tx.onResponse(481, response(481, 'BYE'));
    assert.deepEqual(events, ['response 481@0', 'terminated@0']);
  });
});
