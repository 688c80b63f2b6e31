import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { ROOT } from './cli-helpers.js';

// serctl exists as a command and, in this version, explains itself and what it cannot do yet.

const serctl = (args: string[]) => spawnSync(process.execPath, [path.join(ROOT, 'bin', 'serctl.js'), ...args], { encoding: 'utf8', timeout: 10_000 });

test('serctl without arguments prints the usage of SER 0.8 serctl and exits 0', () => {
  const r = serctl([]);
  assert.equal(r.status, 0);
  assert.match(r.stdout, /^usage:/);
  for (const cmd of ['serctl add', 'serctl ul show', 'serctl ps', 'serctl monitor', 'serctl start']) assert.ok(r.stdout.includes(cmd), cmd);
  assert.match(r.stdout, /not available yet/);
});

test('serctl with a command says it cannot do it yet: usage and exit 1', () => {
  const r = serctl(['ps']);
  assert.equal(r.status, 1);
  assert.match(r.stdout, /not available yet/);
});
