import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { MODULES } from '../../src/modules/registry.js';
import { CORE_ACTIONS } from '../../src/script/actions/index.js';
import { CORE_OPTIONS } from '../../src/script/core-options.js';
import { USAGE } from '../../src/daemon/argv.js';

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
