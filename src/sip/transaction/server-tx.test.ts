import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ServerState, ServerTransaction, type ServerTxOwner } from './server-tx.js';
import { HOP, RecordingEnv } from './test-env.js';

// RFC 3261 Table 4 timers of the server transaction (G, H, I, J) and RFC 6026's Timer L, on a fake clock.

function setup(invite: boolean, reliable: boolean) {
  const env = new RecordingEnv();
  const events: string[] = [];
  const owner: ServerTxOwner = {
    onServerTerminated: () => events.push(`terminated@${env.timers.now()}`),
    onAckTimeout: () => events.push(`ack-timeout@${env.timers.now()}`),
  };
  const tx = new ServerTransaction(env, 'k', invite, reliable, HOP, owner);
  return { env, events, tx };
}

const R = (s: number) => Buffer.from(`SIP/2.0 ${s} X\r\n\r\n`);

describe('INVITE server transaction', () => {
  test('Timer G re-sends a final non-2xx at T1, 2T1, 4T1, then every T2 over UDP; Timer H ends it at 64*T1', () => {
    const { env, events, tx } = setup(true, false);
    tx.respond(486, R(486));
    env.timers.advance(64 * 500 + 1);
    // sent at 0, then 500, 1500, 3500, 7500, 11500, ... (interval capped at T2 = 4000)
    const t = env.times('SIP/2.0 486');
    assert.deepEqual(t.slice(0, 6), [0, 500, 1500, 3500, 7500, 11500]);
    for (let i = 5; i < t.length; i++) assert.equal(t[i]! - t[i - 1]!, 4000);
    assert.ok(t[t.length - 1]! <= 32000);
    assert.deepEqual(events, ['ack-timeout@32000', 'terminated@32000']);
    assert.equal(tx.state, ServerState.Terminated);
  });

  test('over TCP there is no Timer G, but Timer H still fires at 64*T1', () => {
    const { env, events, tx } = setup(true, true);
    tx.respond(486, R(486));
    env.timers.advance(40_000);
    assert.deepEqual(env.times('SIP/2.0 486'), [0]);
    assert.deepEqual(events, ['ack-timeout@32000', 'terminated@32000']);
  });

  test('the ACK stops Timer G; Timer I (T4 over UDP) absorbs ACK retransmissions, then ends it', () => {
    const { env, events, tx } = setup(true, false);
    tx.respond(404, R(404));
    env.timers.advance(600); // one retransmission at 500
    assert.equal(tx.onAck(), true);
    assert.equal(tx.state, ServerState.Confirmed);
    env.timers.advance(4999);
    assert.equal(tx.onAck(), true, 'a retransmitted ACK is absorbed in Confirmed');
    assert.deepEqual(events, []);
    env.timers.advance(1);
    assert.deepEqual(events, ['terminated@5600']);
    assert.deepEqual(env.times('SIP/2.0 404'), [0, 500]);
  });

  test('over TCP, Timer I is zero: the ACK ends the transaction at once', () => {
    const { events, tx } = setup(true, true);
    tx.respond(404, R(404));
    tx.onAck();
    assert.deepEqual(events, ['terminated@0']);
  });

  test('a request retransmission re-sends the last provisional; a 2xx moves to Accepted (RFC 6026 Timer L = 64*T1)', () => {
    const { env, events, tx } = setup(true, false);
    tx.respond(100, R(100));
    tx.onRetransmission();
    assert.deepEqual(env.times('SIP/2.0 100'), [0, 0]);
    tx.respond(200, R(200));
    assert.equal(tx.state, ServerState.Accepted);
    tx.onRetransmission();
    assert.deepEqual(env.times('SIP/2.0 200'), [0], 'retransmissions are absorbed, not answered, in Accepted');
    assert.equal(tx.onAck(), false, 'the ACK for a 2xx goes to the TU');
    assert.equal(tx.respond(200, R(200)), true, 'the TU may retransmit its 2xx');
    assert.equal(tx.respond(486, R(486)), false);
    env.timers.advance(31_999);
    assert.deepEqual(events, []);
    env.timers.advance(1);
    assert.deepEqual(events, ['terminated@32000']);
  });
});

describe('non-INVITE server transaction', () => {
  test('Timer J keeps the final response 64*T1 over UDP, re-sent for each retransmission', () => {
    const { env, events, tx } = setup(false, false);
    assert.equal(tx.state, ServerState.Trying);
    tx.onRetransmission();
    assert.equal(env.sent.length, 0, 'nothing to re-send in Trying');
    tx.respond(200, R(200));
    assert.equal(tx.state, ServerState.Completed);
    env.timers.advance(10_000);
    tx.onRetransmission();
    assert.deepEqual(env.times('SIP/2.0 200'), [0, 10_000]);
    env.timers.advance(22_000);
    assert.deepEqual(events, ['terminated@32000']);
    assert.equal(env.timers.size, 0);
  });

  test('over TCP, Timer J is zero', () => {
    const { events, tx } = setup(false, true);
    tx.respond(200, R(200));
    assert.deepEqual(events, ['terminated@0']);
  });

  test('a final response after a final response is refused', () => {
    const { tx } = setup(false, false);
    assert.equal(tx.respond(180, R(180)), true);
    assert.equal(tx.state, ServerState.Proceeding);
    assert.equal(tx.respond(200, R(200)), true);
    assert.equal(tx.respond(500, R(500)), false);
  });
});
