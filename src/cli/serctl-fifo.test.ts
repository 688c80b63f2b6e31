import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fifoRequest, parseReply, printableReply } from './serctl-fifo.js';

test('fifoRequest: ":cmd:reply" line, one line per parameter, an empty line (admin guide Example 4-7)', () => {
  assert.equal(fifoRequest('uptime', 'ser_receiver_1114', []), ':uptime:ser_receiver_1114\n\n');
  assert.equal(fifoRequest('ul_rm', 'r', ['location', 'jiri']), ':ul_rm:r\nlocation\njiri\n\n');
  assert.throws(() => fifoRequest('a:b', 'r', []), /bad FIFO command name/);
  assert.throws(() => fifoRequest('print', 'r', ['a\nb']), /line break/);
});

test('parseReply and printableReply: "200 ok" is dropped (SER\'s filter_fl), other status lines are kept', () => {
  const ok = parseReply('200 ok\n0 1 attendant\n');
  assert.equal(ok.code, 200);
  assert.equal(printableReply(ok), '0 1 attendant\n');
  const added = parseReply("200 Added to table\n('a','sip:b@c.d') to 'location'\n");
  assert.equal(printableReply(added), "200 Added to table\n('a','sip:b@c.d') to 'location'\n");
  const err = parseReply("500 command 'foobar' not available");
  assert.equal(err.code, 500);
  assert.equal(printableReply(err), "500 command 'foobar' not available\n");
  assert.equal(parseReply('garbage').code, 500);
});
