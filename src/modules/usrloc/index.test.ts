import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Core } from '../../script/core-api.js';
import { defaultCoreConfig } from '../../script/core-config.js';
import { ConfigErrors, loadConfig } from '../../script/load-config.js';
import type { ModuleDescriptor, ParamValue } from '../../script/module-api.js';
import usrloc, { checkDbMode, usrlocOf } from './index.js';

const REGISTRY = { usrloc: usrloc as ModuleDescriptor<unknown> };

function load(modparams: string) {
  const cfg = `loadmodule "/usr/local/lib/ser/modules/usrloc.so"\n${modparams}\nroute { break; }\n`;
  return loadConfig(cfg, 'test.cfg', REGISTRY, defaultCoreConfig());
}

function configError(modparams: string): string {
  try {
    load(modparams);
  } catch (e) {
    assert.ok(e instanceof ConfigErrors);
    return e.format();
  }
  assert.fail('the config was accepted');
}

test('db_mode 0..3 are accepted; anything else is refused at config time', () => {
  for (const mode of [0, 1, 2, 3]) assert.equal(load(`modparam("usrloc", "db_mode", ${mode})`).modules[0]!.params.db_mode, mode);
  for (const mode of [4, -1]) {
    const msg = configError(`modparam("usrloc", "db_mode", ${mode})`);
    assert.match(msg, /test\.cfg:2:\d+: error: bad value for 'usrloc' parameter 'db_mode'/);
    assert.match(msg, /must be 0 \(memory only\), 1 \(write-through\), 2 \(write-back\) or 3 \(database only\)/);
  }
  assert.match(checkDbMode(7)!, /must be 0/);
  assert.equal(checkDbMode(0), undefined);
});

test('column parameters must name columns of the location table; db_url must parse', () => {
  assert.match(configError('modparam("usrloc", "user_column", "user_name")'), /must name a column of the location table \(username, domain, contact/);
  assert.match(configError('modparam("usrloc", "db_url", "nosuch://x")'), /db_url/);
  assert.equal(load('modparam("usrloc", "method_column", "anything")').modules[0]!.params.method_column, 'anything');
});

test('SER 0.8 parameters are accepted with their defaults', () => {
  const m = load(
    [
      'modparam("usrloc", "timer_interval", 10)',
      'modparam("usrloc", "use_domain", 1)',
      'modparam("usrloc", "desc_time_order", 1)',
      'modparam("usrloc", "db_url", "sql://ser:secret@dbhost/ser")',
      'modparam("usrloc", "user_column", "username")',
      'modparam("usrloc", "contact_column", "contact")',
    ].join('\n'),
  ).modules[0]!;
  assert.equal(m.params.timer_interval, 10);
  assert.equal(m.params.db_url, 'sql://ser:secret@dbhost/ser');
  const defaults = Object.fromEntries(Object.entries(usrloc.params).map(([k, p]) => [k, p.default]));
  assert.deepEqual(defaults, {
    db_mode: 0,
    timer_interval: 60,
    use_domain: 0,
    desc_time_order: 0,
    db_url: 'sqlite://ser.db',
    user_column: 'username',
    domain_column: 'domain',
    contact_column: 'contact',
    expires_column: 'expires',
    q_column: 'q',
    callid_column: 'callid',
    cseq_column: 'cseq',
    method_column: 'method',
    flags_column: 'flags',
    user_agent_column: 'user_agent',
    received_column: 'received',
    socket_column: 'socket',
    last_modified_column: 'last_modified',
  });
  assert.match(configError('modparam("usrloc", "timer_interval", 0)'), /timer_interval/);
  assert.match(configError('modparam("usrloc", "use_domain", 2)'), /must be 0 or 1/);
});

test('create() makes the state reachable through usrlocOf(core); destroy() stops its timer', async () => {
  const core = { log: { err: () => {}, dbg: () => {} } } as unknown as Core;
  assert.equal(usrlocOf(core), undefined);
  const params: Record<string, ParamValue> = {};
  for (const [k, p] of Object.entries(usrloc.params)) params[k] = p.default;
  params.use_domain = 1;
  const ul = await usrloc.create(core, params);
  assert.equal(usrlocOf(core), ul);
  assert.deepEqual(ul.opts, { useDomain: true, descTimeOrder: false, timerInterval: 60 });
  assert.deepEqual(usrloc.functions, {});
  await usrloc.destroy!(ul);
});
