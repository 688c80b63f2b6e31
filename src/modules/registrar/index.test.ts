import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Core } from '../../script/core-api.js';
import { defaultCoreConfig } from '../../script/core-config.js';
import { ConfigErrors, loadConfig, type LoadedConfig } from '../../script/load-config.js';
import type { ModuleDescriptor } from '../../script/module-api.js';
import usrloc, { usrlocOf } from '../usrloc/index.js';
import registrar from './index.js';
import { fakeCore } from './testing.js';

const REGISTRY = {
  usrloc: usrloc as ModuleDescriptor<unknown>,
  registrar: registrar as ModuleDescriptor<unknown>,
};

const SCRIPT = `
loadmodule "/usr/local/lib/ser/modules/usrloc.so"
loadmodule "/usr/local/lib/ser/modules/registrar.so"
modparam("registrar", "min_expires", 60)
route {
  if (method == "REGISTER") { save("location"); break; };
  lookup("aliases");
  if (!lookup("location")) { break; };
}
failure_route[1] { lookup("location"); }
`;

async function start(loaded: LoadedConfig, core: Core) {
  const states = [];
  for (const m of loaded.modules) states.push(await m.desc.create(core, m.params));
  return states;
}

test('registrar needs usrloc loaded before it', () => {
  const cfg = 'loadmodule "registrar.so"\nloadmodule "usrloc.so"\nroute { break; }\n';
  try {
    loadConfig(cfg, 'test.cfg', REGISTRY, defaultCoreConfig());
    assert.fail('accepted');
  } catch (e) {
    assert.ok(e instanceof ConfigErrors);
    assert.match(e.format(), /module 'registrar' needs module 'usrloc' loaded before it/);
  }
  assert.throws(() => registrar.create(fakeCore().core, {}), /'usrloc' must be loaded before 'registrar'/);
});

test('the tables the script names are registered with usrloc when the server starts', async () => {
  const loaded = loadConfig(SCRIPT, 'test.cfg', REGISTRY, defaultCoreConfig());
  const fc = fakeCore();
  const [ul, st] = (await start(loaded, fc.core)) as [ReturnType<typeof usrlocOf> & object, { cfg: { minExpires: number } }];
  assert.equal(usrlocOf(fc.core), ul);
  assert.deepEqual(
    ul.tables().map((t) => t.name),
    ['location', 'aliases'],
  );
  assert.equal(st.cfg.minExpires, 60);
  await usrloc.destroy!(ul);
  // another server from the same configuration gets its own tables
  const fc2 = fakeCore();
  const [ul2] = (await start(loaded, fc2.core)) as [ReturnType<typeof usrlocOf> & object];
  assert.notEqual(ul2, ul);
  assert.equal(ul2.tables().length, 2);
  await usrloc.destroy!(ul2);
});

test('function arguments and route types are checked when the script is loaded', () => {
  const errorsOf = (routes: string) => {
    try {
      loadConfig(`loadmodule "usrloc.so"\nloadmodule "registrar.so"\n${routes}\n`, 'test.cfg', REGISTRY, defaultCoreConfig());
    } catch (e) {
      assert.ok(e instanceof ConfigErrors);
      return e.format();
    }
    assert.fail('accepted');
  };
  assert.match(errorsOf('route { save(""); }'), /table name must not be empty/);
  assert.match(errorsOf('route { save(); }'), /save\(\) takes 1 argument/);
  assert.match(errorsOf('route { lookup("a", "b"); }'), /lookup\(\) takes 1 argument/);
  assert.match(errorsOf('route { break; }\nfailure_route[1] { save("location"); }'), /save\(\) cannot be used in failure_route/);
  assert.match(errorsOf('route { break; }\nfailure_route[1] { save_noreply("location"); }'), /save_noreply\(\) cannot be used in failure_route/);
});

test('parameters: SER defaults, checked values, usrloc options merged in', async () => {
  const defaults = Object.fromEntries(Object.entries(registrar.params).map(([k, p]) => [k, p.default]));
  assert.deepEqual(defaults, {
    default_expires: 3600,
    default_q: 0,
    append_branches: 1,
    use_domain: 0,
    case_sensitive: 0,
    desc_time_order: 0,
    nat_flag: 4,
    min_expires: 0,
    retry_after: 5,
    max_expires: 0,
  });
  const cfg = (extra: string) =>
    loadConfig(
      `loadmodule "usrloc.so"\nloadmodule "registrar.so"\n${extra}\nroute { save("location"); }\n`,
      'test.cfg',
      REGISTRY,
      defaultCoreConfig(),
    );
  assert.throws(() => cfg('modparam("registrar", "default_q", 1001)'), /default_q/);
  assert.throws(() => cfg('modparam("registrar", "nat_flag", 32)'), /nat_flag/);
  assert.throws(() => cfg('modparam("registrar", "min_expires", -1)'), /min_expires/);
  assert.throws(() => cfg('modparam("registrar", "retry_after", -1)'), /retry_after/);
  const loaded = cfg('modparam("usrloc", "use_domain", 1)\nmodparam("registrar", "default_q", 250)');
  const fc = fakeCore();
  const [ul, st] = (await start(loaded, fc.core)) as [ReturnType<typeof usrlocOf> & object, { cfg: { useDomain: boolean; defaultQ: number } }];
  assert.equal(st.cfg.useDomain, true);
  assert.equal(st.cfg.defaultQ, 0.25);
  await usrloc.destroy!(ul);
});
