import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { openDb } from '../../src/db/open.js';
import { freePort } from '../helpers/ports.js';
import { startServer } from '../helpers/server.js';

// HowTo §3.1 with a real SIP phone: baresip registers through www_authorize with the right
// password and is refused with a wrong one.

const HAVE_BARESIP = spawnSync('sh', ['-c', 'command -v baresip'], { stdio: 'ignore' }).status === 0;
if (!HAVE_BARESIP) process.stderr.write('\n!!! baresip is not installed (apt-get install baresip-core): the baresip registration test is SKIPPED !!!\n\n');

/** Runs baresip for a few seconds with one account; returns what it printed. */
async function baresip(t: TestContext, account: string): Promise<string> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ser-baresip-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const port = await freePort();
  writeFileSync(
    path.join(dir, 'config'),
    `sip_listen 127.0.0.1:${port}\nmodule_path /usr/lib/baresip/modules\naudio_player none\naudio_source none\nmodule_app account.so\n`,
  );
  writeFileSync(path.join(dir, 'accounts'), account + '\n');
  return new Promise((resolve) => {
    const child = spawn('baresip', ['-f', dir, '-t', '3'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.on('close', () => {
      clearTimeout(timer);
      resolve(out);
    });
  });
}

test('baresip registers with the right password and is refused with a wrong one (www_authorize, calculate_ha1)', { skip: !HAVE_BARESIP, timeout: 30_000 }, async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ser-baresip-db-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const url = `sqlite://${dir}/ser.db`;
  const db = await openDb(url);
  await db.insert('subscriber', { username: 'alice', domain: 'mydomain.com', password: 'qwerty', ha1: '', ha1b: '' });
  await db.close();
  const srv = await startServer(`loadmodule "sl.so"\nloadmodule "tm.so"\nloadmodule "usrloc.so"\nloadmodule "registrar.so"
loadmodule "auth.so"\nloadmodule "auth_db.so"
modparam("auth_db", "db_url", "${url}")
modparam("auth_db", "calculate_ha1", yes)
modparam("auth_db", "password_column", "password")
route{
  if (method=="REGISTER") {
    if (!www_authorize("mydomain.com", "subscriber")) { www_challenge("mydomain.com", "0"); break; };
    save("location");
    break;
  };
  sl_send_reply("404", "Not here");
}
`);
  t.after(() => srv.stop());
  const aor = `<sip:alice@127.0.0.1:${srv.port};transport=udp>`;
  const good = await baresip(t, `${aor};auth_pass=qwerty;regint=60`);
  assert.match(good, /200 OK .*\[1 binding\]/, good);
  const bad = await baresip(t, `${aor};auth_pass=wrong;regint=60`);
  assert.match(bad, /401 Unauthorized/, bad);
  assert.doesNotMatch(bad, /200 OK/, bad);
});
