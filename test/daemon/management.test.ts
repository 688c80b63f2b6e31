import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { freePort } from '../helpers/ports.js';
import { startServer } from '../helpers/server.js';
import { startListening, tempDir, writeCfg } from '../cli/cli-helpers.js';

// The management interfaces of a real server: SER's FIFO (admin guide §4.2) and JSON-RPC 2.0
// over HTTP on loopback and on a unix socket, both serving the same command registry.

/** Send one FIFO request and read its reply through a reply FIFO, as serctl does. */
async function fifoRequest(fifo: string, request: string, replyFifo: string): Promise<string> {
  execFileSync('mkfifo', ['-m', '0600', replyFifo]);
  try {
    const reader = new Promise<string>((resolve, reject) => {
      const c = spawn('cat', [replyFifo], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      c.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
      const timer = setTimeout(() => c.kill(), 5000);
      c.on('close', () => {
        clearTimeout(timer);
        resolve(out);
      });
      c.on('error', reject);
    });
    writeFileSync(fifo, request);
    return await reader;
  } finally {
    rmSync(replyFifo, { force: true });
  }
}

interface HttpAnswer {
  status: number;
  body: string;
  json: any;
}

function post(where: { port: number } | { socketPath: string }, body: unknown, headers: Record<string, string> = {}): Promise<HttpAnswer> {
  const data = typeof body === 'string' ? body : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { ...('port' in where ? { host: '127.0.0.1', port: where.port } : { socketPath: where.socketPath }), method: 'POST', path: '/', headers: { 'Content-Type': 'application/json', ...headers } },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (d: string) => (text += d));
        res.on('end', () => {
          let json: unknown;
          try {
            json = text ? JSON.parse(text) : undefined;
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, body: text, json });
        });
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

const rpcCall = (where: { port: number } | { socketPath: string }, method: string, params?: unknown, headers?: Record<string, string>) =>
  post(where, { jsonrpc: '2.0', id: 1, method, ...(params !== undefined ? { params } : {}) }, headers);

const sh = (script: string, ms = 10_000) =>
  new Promise<string>((resolve, reject) =>
    execFile('sh', ['-c', script], { timeout: ms }, (err, out, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(out))),
  );

test('FIFO and JSON-RPC management interfaces of a running server', { timeout: 60_000 }, async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ser-mgmt-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const fifo = path.join(dir, 'ser_fifo');
  const sock = path.join(dir, 'rpc.sock');
  const rpcPort = await freePort();
  const ts = await startServer(
    `fifo="${fifo}"\nfifo_mode=0660\njsonrpc_listen="127.0.0.1:${rpcPort}"\njsonrpc_socket="${sock}"\nroute { drop; }\n`,
  );
  let stopped = false;
  t.after(async () => {
    if (!stopped) await ts.stop();
  });
  let n = 0;
  const reply = () => path.join(dir, `reply_${n++}`);

  await t.test('the FIFO is made with fifo_mode and ps shows the fifo server', async () => {
    const st = lstatSync(fifo);
    assert.ok(st.isFIFO());
    assert.equal(st.mode & 0o7777, 0o660);
    assert.equal(ts.server.fifoPath, fifo);
    const rf = reply();
    const r = await fifoRequest(fifo, `:ps:${rf}\n\n`, rf);
    assert.match(r, /^200 ok\n/);
    assert.match(r, /^\d+ \d+ fifo server$/m);
  });

  await t.test(':uptime: answers as Example 4-6', async () => {
    const rf = reply();
    const r = await fifoRequest(fifo, `:uptime:${rf}\n\n`, rf);
    assert.match(r, /^200 ok\nNow: \w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}\nUp Since: .+\nUp time: \d+ \[sec\]\n$/);
  });

  await t.test(':which: lists every registered command', async () => {
    const rf = reply();
    const r = await fifoRequest(fifo, `:which:${rf}\n\n`, rf);
    const names = ts.server.rpc.list().map((c) => c.name);
    assert.equal(r, `200 ok\n${names.join('\n')}\n`);
    for (const c of ['ps', 'which', 'version', 'uptime', 'print']) assert.ok(names.includes(c), c);
  });

  await t.test(':foobar: is Example 4-8, word for word', async () => {
    const rf = reply();
    assert.equal(await fifoRequest(fifo, `:foobar:${rf}\n\n`, rf), "500 command 'foobar' not available\n");
  });

  await t.test('malformed requests get 400, and the FIFO goes on serving', async () => {
    let rf = reply();
    assert.equal(await fifoRequest(fifo, `:print:${rf}\n\n`, rf), "400 print: parameter 'text' missing\n");
    rf = reply();
    assert.equal(await fifoRequest(fifo, `:Bad Command!:${rf}\n\n`, rf), "400 malformed command name 'Bad Command!'\n");
    // a line that is no request at all has no reply file: logged and skipped
    writeFileSync(fifo, 'this is not a request\n\n');
    rf = reply();
    assert.equal(await fifoRequest(fifo, `:print:${rf}\nstill here\n\n`, rf), '200 ok\nstill here\n');
    assert.ok(await ts.waitLog(/fifo: malformed request line 'this is not a request'/));
  });

  await t.test('a relative reply file is taken from /tmp', async () => {
    const name = `ser-mgmt-reply-${process.pid}`;
    const r = await fifoRequest(fifo, `:print:${name}\nrelative\n\n`, path.join('/tmp', name));
    assert.equal(r, '200 ok\nrelative\n');
  });

  await t.test('20 concurrent writers (separate processes) each get their own reply', async () => {
    const scripts = Array.from({ length: 20 }, (_, i) => {
      const rf = path.join(dir, `conc_${i}`);
      return sh(`mkfifo '${rf}' && printf ':print:${rf}\\nwriter ${i} says hello\\n\\n' > '${fifo}' && cat '${rf}'; rm -f '${rf}'`);
    });
    const replies = await Promise.all(scripts);
    replies.forEach((r, i) => assert.equal(r, `200 ok\nwriter ${i} says hello\n`));
  });

  await t.test('a reply FIFO nobody reads costs a log line, not the server', async () => {
    const dead = path.join(dir, 'nobody');
    execFileSync('mkfifo', [dead]);
    writeFileSync(fifo, `:uptime:${dead}\n\n`);
    const t0 = Date.now();
    const rf = reply();
    assert.equal(await fifoRequest(fifo, `:print:${rf}\nnot blocked\n\n`, rf), '200 ok\nnot blocked\n');
    assert.ok(Date.now() - t0 < 1500, 'answered while the other reply waits for its reader');
    assert.ok(await ts.waitLog(/cannot open reply file '.*nobody': nobody is reading it/, 4000));
  });

  await t.test('Example 4-6 with plain shell tools (mkfifo, cat)', async () => {
    const out = await sh(
      `cd '${dir}' && mkfifo shell_reply && (cat shell_reply > shell_out &) && cat > '${fifo}' <<EOF
:uptime:${dir}/shell_reply

EOF
i=0; while [ ! -s shell_out ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done; sleep 0.1
cat shell_out; rm -f shell_reply shell_out
mkfifo shell_reply; printf ':which:${dir}/shell_reply\\n\\n' > '${fifo}'; cat shell_reply; rm -f shell_reply`,
    );
    assert.match(out, /^200 ok\nNow: .+\nUp Since: .+\nUp time: \d+ \[sec\]\n200 ok\nps\nwhich\n/);
  });

  await t.test('JSON-RPC over HTTP: methods, results, errors', async () => {
    const up = await rpcCall({ port: rpcPort }, 'core.uptime');
    assert.equal(up.status, 200);
    assert.equal(typeof up.json.result.uptime, 'number');
    const lm = await rpcCall({ port: rpcPort }, 'system.listMethods');
    assert.deepEqual(lm.json.result, [...ts.server.rpc.list().map((c) => c.method), 'system.listMethods']);
    const nf = await rpcCall({ port: rpcPort }, 'core.foobar');
    assert.equal(nf.json.error.code, -32601);
    const bad = await rpcCall({ port: rpcPort }, 'core.print', []);
    assert.equal(bad.json.error.code, -32602);
    const parse = await post({ port: rpcPort }, '{"jsonrpc":');
    assert.equal(parse.json.error.code, -32700);
    const batch = await post({ port: rpcPort }, [
      { jsonrpc: '2.0', id: 1, method: 'core.print', params: ['a'] },
      { jsonrpc: '2.0', id: 2, method: 'core.print', params: { text: 'b' } },
    ]);
    assert.deepEqual(batch.json, [
      { jsonrpc: '2.0', id: 1, result: 'a' },
      { jsonrpc: '2.0', id: 2, result: 'b' },
    ]);
    const note = await post({ port: rpcPort }, { jsonrpc: '2.0', method: 'core.print', params: ['x'] });
    assert.equal(note.status, 204);
    // no token: only local Host names, only application/json, POST only, bounded bodies
    assert.equal((await post({ port: rpcPort }, { jsonrpc: '2.0', id: 1, method: 'core.pwd' }, { Host: 'evil.example.com' })).status, 403);
    assert.equal((await post({ port: rpcPort }, { jsonrpc: '2.0', id: 1, method: 'core.pwd' }, { 'Content-Type': 'text/plain' })).status, 415);
    const big = await post({ port: rpcPort }, JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'core.print', params: ['x'.repeat(1024 * 1024)] })).catch(() => ({ status: 413 }));
    assert.equal(big.status, 413);
  });

  await t.test('JSON-RPC over the unix socket', async () => {
    assert.ok(lstatSync(sock).isSocket());
    assert.equal(lstatSync(sock).mode & 0o777, 0o660);
    const r = await rpcCall({ socketPath: sock }, 'core.print', ['over unix']);
    assert.deepEqual(r.json, { jsonrpc: '2.0', id: 1, result: 'over unix' });
    const curl = await sh(`curl -s --unix-socket '${sock}' -H 'Content-Type: application/json' -d '{"jsonrpc":"2.0","id":7,"method":"core.which"}' http://localhost/`);
    assert.deepEqual(JSON.parse(curl).result, ts.server.rpc.list().map((c) => c.name));
  });

  await t.test('the FIFO and JSON-RPC give the same answers', async () => {
    for (const [name, method, params] of [
      ['which', 'core.which', []],
      ['print', 'core.print', ['same answer']],
      ['version', 'core.version', []],
      ['pwd', 'core.pwd', []],
      ['arg', 'core.arg', []],
    ] as const) {
      const rf = reply();
      const f = await fifoRequest(fifo, `:${name}:${rf}\n${params.map((p) => p + '\n').join('')}\n`, rf);
      const [status, ...lines] = f.replace(/\n$/, '').split('\n');
      assert.equal(status, '200 ok', name);
      const j = (await rpcCall({ port: rpcPort }, method, params)).json.result;
      if (name === 'version') assert.deepEqual(lines, [`Server: ${j}`]);
      else assert.deepEqual(lines, Array.isArray(j) ? j : [j], name);
    }
    // a failure: the same status and reason
    const rf = reply();
    const f = await fifoRequest(fifo, `:print:${rf}\n\n`, rf);
    assert.equal(f, "400 print: parameter 'text' missing\n");
    const c = ts.server.rpc.get('print')!;
    const direct = await ts.server.rpc.call(c, {});
    assert.equal(`${direct.code} ${direct.reason}\n`, f);
  });

  await t.test('stop removes the FIFO and the socket', async () => {
    await ts.stop();
    stopped = true;
    assert.equal(existsSync(fifo), false);
    assert.equal(existsSync(sock), false);
  });
});

test('JSON-RPC with jsonrpc_token: 401 without the bearer token, served with it', { timeout: 30_000 }, async () => {
  const rpcPort = await freePort();
  const ts = await startServer(`jsonrpc_listen="127.0.0.1:${rpcPort}"\njsonrpc_token="s3cret"\nroute { drop; }\n`);
  try {
    const none = await rpcCall({ port: rpcPort }, 'core.uptime');
    assert.equal(none.status, 401);
    assert.equal(none.json.error.code, -32001);
    const wrong = await rpcCall({ port: rpcPort }, 'core.uptime', undefined, { Authorization: 'Bearer nope' });
    assert.equal(wrong.status, 401);
    const ok = await rpcCall({ port: rpcPort }, 'core.print', ['authorized'], { Authorization: 'Bearer s3cret' });
    assert.deepEqual(ok.json, { jsonrpc: '2.0', id: 1, result: 'authorized' });
    const curl = await sh(`curl -s -H 'Authorization: Bearer s3cret' -H 'Content-Type: application/json' -d '{"jsonrpc":"2.0","id":1,"method":"core.uptime"}' http://127.0.0.1:${rpcPort}/`);
    assert.equal(typeof JSON.parse(curl).result.uptime, 'number');
  } finally {
    await ts.stop();
  }
});

test('fifo= on a stale FIFO reuses it; on a regular file the server refuses to start', { timeout: 30_000 }, async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ser-mgmt-'));
  try {
    const fifo = path.join(dir, 'stale_fifo');
    execFileSync('mkfifo', ['-m', '0600', fifo]);
    const ts = await startServer(`fifo="${fifo}"\nroute { drop; }\n`);
    try {
      assert.equal(lstatSync(fifo).mode & 0o7777, 0o620, 'fifo_mode defaults to 0620');
      const rf = path.join(dir, 'r');
      assert.equal(await fifoRequest(fifo, `:print:${rf}\nreused\n\n`, rf), '200 ok\nreused\n');
    } finally {
      await ts.stop();
    }
    const file = path.join(dir, 'regular');
    writeFileSync(file, 'keep me');
    await assert.rejects(startServer(`fifo="${file}"\nroute { drop; }\n`), /fifo '.*regular' exists and is not a FIFO/);
    assert.equal(readFileSync(file, 'utf8'), 'keep me');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('ser -D -E -i FIFO serves the FIFO; SIGTERM removes it', { timeout: 30_000 }, async (t) => {
  const dir = tempDir(t, 'ser-mgmt-cli-');
  const port = await freePort();
  const cfg = writeCfg(dir, 'ser.cfg', `listen=127.0.0.1\nport=${port}\nroute { drop; }\n`);
  const fifo = path.join(dir, 'cli_fifo');
  const ser = await startListening(t, ['-D', '-E', '-f', cfg, '-i', fifo], { cwd: dir });
  assert.ok(lstatSync(fifo).isFIFO(), ser.output);
  const rf = path.join(dir, 'r');
  const r = await fifoRequest(fifo, `:version:${rf}\n\n`, rf);
  assert.match(r, /^200 ok\nServer: Sip EXpress router \(.+\)\n$/);
  ser.child.kill('SIGTERM');
  assert.ok(await ser.waitExit(5000), ser.output);
  assert.equal(existsSync(fifo), false, 'the FIFO is removed at exit');
});
