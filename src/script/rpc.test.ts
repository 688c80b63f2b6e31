import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lineArg, RpcError, RpcRegistry } from './rpc.js';

test('commands are found by FIFO name and JSON-RPC method; names are checked; twice is refused', () => {
  const r = new RpcRegistry();
  r.register({ name: 'ul_show_contact', method: 'ul.show_contact', params: [{ name: 'table' }, { name: 'user' }], doc: '', run: () => ({}) });
  assert.equal(r.get('ul_show_contact')?.method, 'ul.show_contact');
  assert.equal(r.byJsonMethod('ul.show_contact')?.name, 'ul_show_contact');
  assert.throws(() => r.register({ name: 'ul_show_contact', method: 'ul.other', params: [], doc: '', run: () => ({}) }), /twice/);
  assert.throws(() => r.register({ name: 'Bad Name', method: 'x.y', params: [], doc: '', run: () => ({}) }), /bad command name/);
  assert.throws(() => r.register({ name: 'x', method: 'nodot', params: [], doc: '', run: () => ({}) }), /bad JSON-RPC method/);
  assert.throws(
    () => r.register({ name: 'y', method: 'y.y', params: [{ name: 'a', optional: true }, { name: 'b' }], doc: '', run: () => ({}) }),
    /optional parameters must come last/,
  );
});

test('call: missing parameters are a 400, RpcError keeps its code, anything else is a 500; results get defaults', async () => {
  const r = new RpcRegistry();
  r.register({
    name: 'echo',
    method: 'test.echo',
    params: [{ name: 'a' }, { name: 'b', optional: true }],
    doc: '',
    run: (args) => {
      const a = lineArg(args, 'a');
      if (a === 'nf') throw new RpcError(404, 'not found');
      if (a === 'boom') throw new Error('kaput');
      return { text: `${a}\n${args.b ?? '-'}\n` };
    },
  });
  const c = r.get('echo')!;
  assert.deepEqual(await r.call(c, {}), { code: 400, reason: "echo: parameter 'a' missing", text: '', value: undefined });
  assert.deepEqual(await r.call(c, { a: 'x' }), { code: 200, reason: 'ok', text: 'x\n-\n', value: ['x', '-'] });
  assert.equal((await r.call(c, { a: 'nf' })).code, 404);
  assert.deepEqual(await r.call(c, { a: 'boom' }), { code: 500, reason: 'echo: kaput', text: '', value: undefined });
  assert.equal((await r.call(c, { a: ['not', 'a', 'line'] })).code, 400);
});
