import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Usrloc } from '../../src/modules/usrloc/usrloc.js';
import { freePort } from '../helpers/ports.js';
import { startServer } from '../helpers/server.js';
import { runSipp } from '../helpers/sipp.js';

// The admin guide's FIFO examples driven by the shell, as their authors used them: Example 4-10
// (an instant message through t_uac_dlg with `cat > /tmp/ser_fifo`) and the serweb stub of
// Example 4-11 (ul_add: write the request, read the reply FIFO).

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

function sh(script: string): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile('sh', ['-c', script], { timeout: 15_000 }, (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout))),
  );
}

async function fifoServer(t: import('node:test').TestContext) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ser-fifo-ex-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const fifo = path.join(dir, 'ser_fifo');
  const srv = await startServer(`fifo="${fifo}"\nloadmodule "sl.so"\nloadmodule "tm.so"\nloadmodule "usrloc.so"\nloadmodule "registrar.so"
route { if (method=="REGISTER") { save("location"); break; }; sl_send_reply("404", "Not here"); }
`);
  t.after(() => srv.stop());
  return { dir, fifo, srv };
}

test('Example 4-10: the shell script delivers a NOTIFY to a SIPp UA through t_uac_dlg', { timeout: 30_000 }, async (t) => {
  const { dir, fifo } = await fifoServer(t);
  const uaPort = await freePort();
  const ua = runSipp(['-sf', path.join(ROOT, 'test', 'fixtures', 'sipp', 'uas-notify.xml'), '-i', '127.0.0.1', '-p', String(uaPort), '-m', '1', '-trace_msg', '-message_file', path.join(dir, 'ua.log')], 20_000);
  await new Promise((r) => setTimeout(r, 300));
  // the guide's script, its FIFO and receiver made local; "hh" is the reply file under /tmp
  await sh(`cat > '${fifo}' <<EOF
:t_uac_dlg:hh
NOTIFY
sip:receiver@127.0.0.1:${uaPort}
.
From: sip:originator@foo.bar
To: sip:receiver@127.0.0.1
foo: bar_special_header
x: y
p_header: p_value
Contact: <sip:devnull@192.168.0.100:9>

Content-Type: text/plain; charset=UTF-8
.
Hello world!!!! from the test
.
EOF`);
  const r = await ua;
  assert.equal(r.successful, 1, r.stdout + r.stderr);
  const got = readFileSync(path.join(dir, 'ua.log'), 'latin1');
  assert.match(got, /NOTIFY sip:receiver@127\.0\.0\.1:\d+ SIP\/2\.0/);
  for (const h of ['From: sip:originator@foo.bar;tag=', 'To: sip:receiver@127.0.0.1', 'foo: bar_special_header', 'x: y', 'p_header: p_value', 'Content-Type: text/plain; charset=UTF-8']) {
    assert.ok(got.includes(h), `${h} in\n${got}`);
  }
  assert.match(got, /Hello world!!!! from the test/);
  assert.match(got, /Call-ID: \S+/);
  assert.match(got, /CSeq: \d+ NOTIFY/);
});

test('Example 4-11: the serweb stub adds a contact with ul_add and reads the status from its reply FIFO', { timeout: 30_000 }, async (t) => {
  const { dir, fifo, srv } = await fifoServer(t);
  const replyName = `ser_reply_${process.pid}`;
  const reply = path.join('/tmp', replyName);
  t.after(() => rmSync(reply, { force: true }));
  // what write2fifo() does: make the reply FIFO, write the request in one go, read the reply
  const out = await sh(`rm -f '${reply}'; mkfifo -m 666 '${reply}'
(cat '${reply}' > '${dir}/reply.txt' &)
printf ':ul_add:${replyName}\\nlocation\\njiri\\nsip:jiri@195.37.78.160:5060\\n3600\\n0.5\\n\\n' > '${fifo}'
i=0; while [ ! -s '${dir}/reply.txt' ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done; sleep 0.1
cat '${dir}/reply.txt'`);
  assert.match(out, /^200 /, out);
  const ul = srv.server.states.get('usrloc') as Usrloc;
  const rec = ul.dump().flatMap((d) => d.records).find((r) => r.aor === 'jiri');
  assert.ok(rec, 'jiri is in the location table');
  assert.equal(rec!.contacts[0]!.uri, 'sip:jiri@195.37.78.160:5060');
});
