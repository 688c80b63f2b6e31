import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RpcRegistry, type RpcCommand } from '../script/rpc.js';
import { FifoRequestParser, type FifoItem } from './fifo-request.js';

function registry(): RpcRegistry {
  const rpc = new RpcRegistry();
  const cmd = (c: Omit<RpcCommand, 'doc' | 'run'>) => rpc.register({ doc: '', run: () => ({}), ...c });
  cmd({ name: 'uptime', method: 'core.uptime', params: [] });
  cmd({ name: 'print', method: 'core.print', params: [{ name: 'text' }] });
  cmd({
    name: 't_uac_dlg',
    method: 'tm.uac_dlg',
    params: [
      { name: 'method' },
      { name: 'ruri' },
      { name: 'next_hop' },
      { name: 'headers', kind: 'lines' },
      { name: 'body', kind: 'lines', optional: true },
    ],
  });
  cmd({ name: 'ul_show_contact', method: 'ul.show_contact', params: [{ name: 'table' }, { name: 'user', optional: true }] });
  return rpc;
}

function parser(limits?: { maxBytes: number; maxLines: number }, discards: string[] = []) {
  const rpc = registry();
  return new FifoRequestParser((n) => rpc.get(n), limits, (w) => discards.push(w));
}

const calls = (items: FifoItem[]) =>
  items.map((i) => (i.kind === 'call' ? { cmd: i.command.name, reply: i.replyFile, args: i.args } : { refusal: i.code, reply: i.replyFile, reason: i.reason }));

test('fifo parser: a simple request; the empty line after it is skipped', () => {
  const p = parser();
  assert.deepEqual(calls(p.push(':uptime:ser_receiver_1114\n\n')), [{ cmd: 'uptime', reply: 'ser_receiver_1114', args: {} }]);
  assert.equal(p.busy, false);
  assert.deepEqual(calls(p.push(':print:r\nhello world\n\n')), [{ cmd: 'print', reply: 'r', args: { text: 'hello world' } }]);
});

test('fifo parser: Example 4-10, a lines parameter with an empty line inside, without a final empty line', () => {
  const p = parser();
  const req = [
    ':t_uac_dlg:hh',
    'NOTIFY',
    'sip:receiver@127.0.0.1',
    '.',
    'From: sip:originator@foo.bar',
    'To: sip:receiver@127.0.0.1',
    'Contact: <sip:devnull@192.168.0.100:9>',
    '',
    'Content-Type: text/plain; charset=UTF-8',
    '.',
    'Hello world!!!! $@',
    '.',
    '',
  ].join('\n');
  assert.deepEqual(calls(p.push(req)), [
    {
      cmd: 't_uac_dlg',
      reply: 'hh',
      args: {
        method: 'NOTIFY',
        ruri: 'sip:receiver@127.0.0.1',
        next_hop: '.',
        headers: ['From: sip:originator@foo.bar', 'To: sip:receiver@127.0.0.1', 'Contact: <sip:devnull@192.168.0.100:9>', '', 'Content-Type: text/plain; charset=UTF-8'],
        body: ['Hello world!!!! $@'],
      },
    },
  ]);
  // the optional body left out: an empty line ends the request
  assert.deepEqual(calls(p.push(':t_uac_dlg:hh\nMESSAGE\nsip:a@b\n.\nX: y\n.\n\n')).map((c) => ('args' in c ? c.args : c)), [
    { method: 'MESSAGE', ruri: 'sip:a@b', next_hop: '.', headers: ['X: y'] },
  ]);
});

test('fifo parser: unknown command, malformed lines, missing parameters', () => {
  const discards: string[] = [];
  const p = parser(undefined, discards);
  assert.deepEqual(calls(p.push(':foobar:r1\nsome\nparams\n\n:uptime:r2\n')), [
    { refusal: 500, reply: 'r1', reason: "command 'foobar' not available" },
    { cmd: 'uptime', reply: 'r2', args: {} },
  ]);
  assert.deepEqual(calls(p.push('garbage line\nmore garbage\n\n:uptime:r3\n')), [{ cmd: 'uptime', reply: 'r3', args: {} }]);
  assert.equal(discards.length, 1);
  assert.match(discards[0]!, /malformed request line 'garbage line'/);
  assert.deepEqual(calls(p.push(':Bad Name!:r4\n\n')), [{ refusal: 400, reply: 'r4', reason: "malformed command name 'Bad Name!'" }]);
  assert.deepEqual(calls(p.push(':print:r5\n\n')), [{ refusal: 400, reply: 'r5', reason: "print: parameter 'text' missing" }]);
  // an optional parameter left out
  assert.deepEqual(calls(p.push(':ul_show_contact:r6\nlocation\n\n')), [{ cmd: 'ul_show_contact', reply: 'r6', args: { table: 'location' } }]);
  // no reply file: the command runs, nothing is written
  assert.deepEqual(calls(p.push(':uptime:\n')), [{ cmd: 'uptime', reply: '', args: {} }]);
  // CRLF line ends are taken
  assert.deepEqual(calls(p.push(':print:r7\r\nx\r\n\r\n')), [{ cmd: 'print', reply: 'r7', args: { text: 'x' } }]);
});

test('fifo parser: an oversized request is refused, and what follows it is read again', () => {
  const p = parser({ maxBytes: 200, maxLines: 20 });
  const many = Array.from({ length: 30 }, (_, i) => `H${i}: v`).join('\n');
  const items = p.push(`:t_uac_dlg:big\nNOTIFY\nsip:x@y\n.\n${many}\n.\n\n:uptime:after\n`);
  assert.deepEqual(calls(items), [
    { refusal: 400, reply: 'big', reason: 'request too large (more than 200 bytes or 20 lines)' },
    { cmd: 'uptime', reply: 'after', args: {} },
  ]);
  // one huge line, in pieces
  const q = parser({ maxBytes: 100, maxLines: 20 });
  assert.deepEqual(calls(q.push(':print:huge\n' + 'x'.repeat(60))), []);
  assert.deepEqual(calls(q.push('x'.repeat(60))), [{ refusal: 400, reply: 'huge', reason: 'request too large (more than 100 bytes or 20 lines)' }]);
  assert.deepEqual(calls(q.push('x'.repeat(500) + '\n\n:uptime:ok\n')), [{ cmd: 'uptime', reply: 'ok', args: {} }]);
});

test('fifo parser: two requests in one read; a request split across reads (even inside a UTF-8 character)', () => {
  const p = parser();
  assert.deepEqual(calls(p.push(':print:a\none\n\n:print:b\ntwo\n\n')), [
    { cmd: 'print', reply: 'a', args: { text: 'one' } },
    { cmd: 'print', reply: 'b', args: { text: 'two' } },
  ]);
  const whole = Buffer.from(':print:c\nh\u00e9llo \u2603\n\n');
  const got: FifoItem[] = [];
  for (let i = 0; i < whole.length; i++) got.push(...p.push(whole.subarray(i, i + 1)));
  assert.deepEqual(calls(got), [{ cmd: 'print', reply: 'c', args: { text: 'h\u00e9llo \u2603' } }]);
});

test('fifo parser: flush ends a request that never got its final line', () => {
  const p = parser();
  assert.deepEqual(calls(p.push(':ul_show_contact:r\nlocation\n')), []);
  assert.equal(p.busy, true);
  assert.deepEqual(calls(p.flush()), [{ cmd: 'ul_show_contact', reply: 'r', args: { table: 'location' } }]);
  assert.deepEqual(calls(p.push(':print:r\nno newline')), []);
  assert.deepEqual(calls(p.flush()), [{ cmd: 'print', reply: 'r', args: { text: 'no newline' } }]);
  assert.equal(p.busy, false);
});
