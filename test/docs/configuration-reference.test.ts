import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { MODULES } from '../../src/modules/registry.js';
import { CORE_ACTIONS } from '../../src/script/actions/index.js';
import { CORE_OPTIONS } from '../../src/script/core-options.js';
import { USAGE } from '../../src/daemon/argv.js';
import { startServer } from '../helpers/server.js';

// docs/configuration.md must name every option, flag, action, module function and parameter
// the code accepts, so that the reference cannot silently fall behind.

const doc = readFileSync(path.resolve('docs/configuration.md'), 'utf8');
const mentioned = (name: string) => doc.includes('`' + name) || doc.includes(' ' + name + '`');

test('every global option is documented', () => {
  const missing = Object.keys(CORE_OPTIONS).filter((o) => !mentioned(o));
  assert.deepEqual(missing, []);
});

test('every core action is documented', () => {
  const missing = Object.keys(CORE_ACTIONS).filter((a) => !mentioned(a));
  assert.deepEqual(missing, []);
});

test('every module, its functions and parameters are documented', () => {
  const missing: string[] = [];
  for (const m of Object.values(MODULES)) {
    if (!doc.includes(`## Module ${m.name}`)) missing.push(`module ${m.name}`);
    for (const f of Object.keys(m.functions)) if (!mentioned(f)) missing.push(f);
    for (const p of Object.keys(m.params)) if (!mentioned(p)) missing.push(`${m.name}.${p}`);
  }
  assert.deepEqual(missing, []);
});

test('every command-line flag of the usage text is documented', () => {
  const flags = [...USAGE.matchAll(/^\s+(-[a-zA-Z])\b/gm)].map((m) => m[1]!);
  assert.ok(flags.length >= 20);
  const missing = flags.filter((f) => !doc.includes('`' + f));
  assert.deepEqual(missing, []);
});

test('every management command (FIFO name and JSON-RPC method) is documented', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ser-doc-rpc-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // every module that registers commands, loaded
  const srv = await startServer(`loadmodule "sl.so"\nloadmodule "tm.so"\nloadmodule "usrloc.so"\nloadmodule "registrar.so"\nloadmodule "domain.so"
modparam("domain", "db_url", "sqlite://${dir}/ser.db")\nmodparam("domain", "db_mode", 1)
route { save("location"); }
`);
  t.after(() => srv.stop());
  for (const c of ['uptime', 'sl_stats', 't_uac_dlg', 'ul_show_contact', 'domain_reload']) assert.ok(srv.server.rpc.get(c), c);
  const missing = srv.server.rpc.list().flatMap((c) => [c.name, c.method]).filter((n) => !doc.includes('`' + n + '`'));
  assert.deepEqual(missing, []);
});
