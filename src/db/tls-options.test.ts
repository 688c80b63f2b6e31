import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { rootCertificates } from 'node:tls';
import { tlsOptions } from './tls-options.js';

test("database TLS trusts Node's roots plus the file NODE_EXTRA_CA_CERTS named, when ser's #! line kept it aside", (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ser-ca-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'ca.pem');
  // any PEM text: the list is handed to the TLS client, which parses it when it connects
  writeFileSync(file, rootCertificates[0]!);
  const o = tlsOptions({ SER_NODE_EXTRA_CA_CERTS: file });
  assert.equal(o.ca!.length, rootCertificates.length + 1);
  assert.equal(o.ca![o.ca!.length - 1], rootCertificates[0]);
  // not set, or set to nothing: Node's own defaults (which honour NODE_EXTRA_CA_CERTS themselves)
  assert.deepEqual(tlsOptions({}), {});
  assert.deepEqual(tlsOptions({ SER_NODE_EXTRA_CA_CERTS: '' }), {});
});

test('an unreadable NODE_EXTRA_CA_CERTS file is reported and left out, as Node does', async (t) => {
  const warned: string[] = [];
  const onWarning = (w: Error): void => void warned.push(w.message);
  process.on('warning', onWarning);
  t.after(() => process.off('warning', onWarning));
  assert.deepEqual(tlsOptions({ SER_NODE_EXTRA_CA_CERTS: '/nonexistent/ca.pem' }), {});
  await new Promise((r) => setImmediate(r));
  assert.equal(warned.length, 1);
  assert.match(warned[0]!, /Ignoring extra certs from `\/nonexistent\/ca\.pem`, load failed: ENOENT/);
});
