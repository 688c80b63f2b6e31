import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RpcError, RpcRegistry, lineArg } from '../script/rpc.js';
import { handleBody, listMethods, paramsToArgs, parseJsonRpcListen } from './jsonrpc-server.js';

function registry(): RpcRegistry {
  const rpc = new RpcRegistry();
  rpc.register({ name: 'print', method: 'core.print', params: [{ name: 'text' }], doc: '', run: (a) => ({ text: lineArg(a, 'text') + '\n', value: lineArg(a, 'text') }) });
  rpc.register({ name: 'lines', method: 'core.lines', params: [{ name: 'head' }, { name: 'rest', kind: 'lines', optional: true }], doc: '', run: (a) => ({ text: 'x\ny\n', value: a }) });
  rpc.register({ name: 'nothing', method: 'ul.nothing', params: [], doc: '', run: () => { throw new RpcError(404, 'nothing found'); } });
  rpc.register({ name: 'plain', method: 'core.plain', params: [], doc: '', run: () => ({ text: 'a\nb\n' }) });
  return rpc;
}

const call = async (body: unknown) => {
  const out = await handleBody(registry(), typeof body === 'string' ? body : JSON.stringify(body));
  return out === undefined ? undefined : JSON.parse(out);
};

test('jsonrpc: params by position and by name; the result is the value (or the body lines)', async () => {
  assert.deepEqual(await call({ jsonrpc: '2.0', id: 1, method: 'core.print', params: ['hi'] }), { jsonrpc: '2.0', id: 1, result: 'hi' });
  assert.deepEqual(await call({ jsonrpc: '2.0', id: 'a', method: 'core.print', params: { text: 42 } }), { jsonrpc: '2.0', id: 'a', result: '42' });
  assert.deepEqual(await call({ jsonrpc: '2.0', id: 2, method: 'core.lines', params: ['h', ['1', '', '3']] }), { jsonrpc: '2.0', id: 2, result: { head: 'h', rest: ['1', '', '3'] } });
  assert.deepEqual(await call({ jsonrpc: '2.0', id: 3, method: 'core.plain' }), { jsonrpc: '2.0', id: 3, result: ['a', 'b'] });
});

test('jsonrpc: errors map to the documented codes', async () => {
  const err = async (body: unknown) => (await call(body)).error;
  assert.deepEqual(await err({ jsonrpc: '2.0', id: 1, method: 'ul.nothing' }), { code: -32404, message: 'nothing found', data: { status: 404 } });
  assert.equal((await err({ jsonrpc: '2.0', id: 1, method: 'no.such' })).code, -32601);
  assert.equal((await err({ jsonrpc: '2.0', id: 1, method: 'core.print' })).code, -32602);
  assert.equal((await err({ jsonrpc: '2.0', id: 1, method: 'core.print', params: ['a', 'b'] })).code, -32602);
  assert.equal((await err({ jsonrpc: '2.0', id: 1, method: 'core.print', params: { txt: 'a' } })).code, -32602);
  assert.equal((await err({ jsonrpc: '2.0', id: 1, method: 'core.print', params: ['two\nlines'] })).code, -32602);
  assert.equal((await err({ jsonrpc: '2.0', id: 1, method: 'core.lines', params: ['h', 'not an array'] })).code, -32602);
  assert.equal((await err({ jsonrpc: '2.0', id: 1, method: 'core.print', params: 'x' })).code, -32600);
  assert.equal((await err({ jsonrpc: '1.0', id: 1, method: 'core.print' })).code, -32600);
  assert.equal((await err('{"jsonrpc": "2.0", "method": ')).code, -32700);
  assert.equal((await err([])).code, -32600);
});

test('jsonrpc: batches, notifications, system.listMethods', async () => {
  const out = await call([
    { jsonrpc: '2.0', id: 1, method: 'core.print', params: ['a'] },
    { jsonrpc: '2.0', method: 'core.print', params: ['notified'] },
    { jsonrpc: '2.0', id: 2, method: 'no.such' },
    5,
  ]);
  assert.deepEqual(out, [
    { jsonrpc: '2.0', id: 1, result: 'a' },
    { jsonrpc: '2.0', id: 2, error: { code: -32601, message: "method 'no.such' not found" } },
    { jsonrpc: '2.0', id: null, error: { code: -32600, message: 'invalid request' } },
  ]);
  assert.equal(await call({ jsonrpc: '2.0', method: 'core.print', params: ['x'] }), undefined);
  assert.equal(await call([{ jsonrpc: '2.0', method: 'core.print', params: ['x'] }]), undefined);
  assert.deepEqual((await call({ jsonrpc: '2.0', id: 9, method: 'system.listMethods' })).result, ['core.print', 'core.lines', 'ul.nothing', 'core.plain', 'system.listMethods']);
  assert.deepEqual(listMethods(registry()).at(-1), 'system.listMethods');
});

test('jsonrpc: paramsToArgs and the listen address', () => {
  const c = registry().byJsonMethod('core.lines')!;
  assert.deepEqual(paramsToArgs(c, ['h']), { head: 'h' });
  assert.deepEqual(paramsToArgs(c, { head: 'h', rest: null }), { head: 'h' });
  assert.match(paramsToArgs(c, []) as string, /parameter 'head' missing/);
  assert.deepEqual(parseJsonRpcListen('127.0.0.1:5065'), { host: '127.0.0.1', port: 5065 });
  assert.deepEqual(parseJsonRpcListen('5065'), { host: '127.0.0.1', port: 5065 });
  assert.deepEqual(parseJsonRpcListen('[::1]:5065'), { host: '::1', port: 5065 });
  assert.deepEqual(parseJsonRpcListen('localhost:8080'), { host: 'localhost', port: 8080 });
  assert.equal(typeof parseJsonRpcListen('127.0.0.1'), 'string');
  assert.equal(typeof parseJsonRpcListen('1.2.3.4:70000'), 'string');
});
