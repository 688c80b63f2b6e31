import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FAILURE_ROUTE } from '../../script/module-api.js';
import { call, configError, ctxOf, requestText } from './test-util.js';

// append_to_reply: lines kept in the request's context for the replies the server builds (the
// core's buildReply adds them; the integration test checks an sl_send_reply carries them).

test('append_to_reply keeps the lines, without their CRLF, in call order', () => {
  const ctx = ctxOf(requestText());
  assert.equal(call('append_to_reply', '"X-Reason: closed\\r\\n"')(ctx), 1);
  assert.equal(call('append_to_reply', '"Retry-After: 60\\r\\nX-Two: 2"')(ctx), 1);
  assert.deepEqual(ctx.replyHeaders, ['X-Reason: closed', 'Retry-After: 60', 'X-Two: 2']);
  assert.equal(ctx.edits.size, 0, 'the request itself is not changed');
});

test('the lines go with the request into failure routes and transaction snapshots', () => {
  const ctx = ctxOf(requestText());
  call('append_to_reply', '"X-A: 1\\r\\n"')(ctx);
  const failure = ctx.fork(FAILURE_ROUTE);
  assert.deepEqual(failure.replyHeaders, ['X-A: 1']);
  call('append_to_reply', '"X-B: 2\\r\\n"')(failure);
  assert.deepEqual(ctx.replyHeaders, ['X-A: 1'], 'a fork adds to its own copy');
  const restored = ctx.snapshot().restore(FAILURE_ROUTE);
  assert.deepEqual(restored.replyHeaders, ['X-A: 1']);
});

test('append_to_reply: text that is not header lines is a configuration error', () => {
  assert.match(configError('append_to_reply', '""'), /^test\.cfg:2:25: error: the text is empty/);
  assert.match(configError('append_to_reply', '"X: 1\\r\\n\\r\\n"'), /error: the text has an empty line/);
});
