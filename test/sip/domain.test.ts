import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { openDb } from '../../src/db/open.js';
import type { DomainState } from '../../src/modules/domain/index.js';
import { startServer } from '../helpers/server.js';
import { UdpPeer } from '../helpers/sip-peer.js';

// The domain module in a real server on loopback, over an SQLite domain table: replies depend on
// whether the Request-URI's host and the From host are ours (is_uri_host_local, is_from_local),
// and, with db_mode 1, whether `uri==myself` counts the table. SER's database driver modules load
// (they are built in).

let seq = 0;
function request(peer: UdpPeer, ruri: string, from: string, method = 'OPTIONS'): string {
  const n = ++seq;
  return (
    `${method} ${ruri} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${peer.port};branch=z9hG4bKdom${n}\r\n` +
    `From: <${from}>;tag=d${n}\r\nTo: <${ruri}>\r\nCall-ID: dom-${n}@127.0.0.1\r\nCSeq: 1 ${method}\r\n` +
    `Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n`
  );
}

function config(url: string, mode: number): string {
  return `loadmodule "/usr/local/lib/ser/modules/sl.so"
loadmodule "/usr/local/lib/ser/modules/mysql.so"
loadmodule "/usr/local/lib/ser/modules/postgres.so"
loadmodule "/usr/local/lib/ser/modules/dbtext.so"
loadmodule "/usr/local/lib/ser/modules/domain.so"
modparam("domain", "db_url", "${url}")
modparam("domain", "db_mode", ${mode})
route{
  if (method=="MESSAGE") {
    if (uri==myself) { sl_send_reply("280", "Myself"); break; };
    sl_send_reply("480", "Not Myself");
    break;
  };
  if (is_uri_host_local()) {
    if (is_from_local()) { sl_send_reply("200", "Local To Local"); break; };
    sl_send_reply("202", "Foreign To Local");
    break;
  };
  if (is_from_local()) { sl_send_reply("201", "Local To Foreign"); break; };
  sl_send_reply("403", "Relaying Denied");
}
`;
}

for (const mode of [0, 1]) {
  test(`domain module over UDP, db_mode ${mode}: replies by domain`, async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ser-domain-it-'));
    const url = `sqlite://${path.join(dir, 'ser.db')}`;
    const db = await openDb(url);
    for (const d of ['example.com', 'Voice.Example.NET']) await db.insert('domain', { domain: d });
    await db.close();
    const srv = await startServer(config(url, mode));
    const peer = await UdpPeer.open();
    const ask = async (ruri: string, from: string, method?: string): Promise<[number, string]> => {
      peer.send(request(peer, ruri, from, method), srv.port);
      const m = await peer.expect(3000);
      return [m.status, m.reason];
    };
    try {
      assert.deepEqual(await ask('sip:bob@example.com', 'sip:alice@voice.example.net'), [200, 'Local To Local']);
      assert.deepEqual(await ask('sip:bob@EXAMPLE.COM:5070', 'sip:alice@elsewhere.org'), [202, 'Foreign To Local']);
      assert.deepEqual(await ask('sip:bob@elsewhere.org', 'sip:alice@example.com'), [201, 'Local To Foreign']);
      assert.deepEqual(await ask('sip:bob@elsewhere.org', 'sip:alice@elsewhere.org'), [403, 'Relaying Denied']);
      // uri==myself: our address always; the table's domains only with db_mode 1 (the cache)
      assert.deepEqual(await ask(`sip:bob@127.0.0.1:${srv.port}`, 'sip:a@x.org', 'MESSAGE'), [280, 'Myself']);
      assert.deepEqual(await ask('sip:bob@example.com', 'sip:a@x.org', 'MESSAGE'), mode === 1 ? [280, 'Myself'] : [480, 'Not Myself']);
      assert.deepEqual(await ask('sip:bob@elsewhere.org', 'sip:a@x.org', 'MESSAGE'), [480, 'Not Myself']);

      // a domain added to the table: at once in db_mode 0; in db_mode 1 after reload()
      const db2 = await openDb(url);
      await db2.insert('domain', { domain: 'new.example' });
      await db2.close();
      const st = srv.server.states.get('domain') as DomainState;
      if (mode === 1) {
        assert.deepEqual(await ask('sip:bob@new.example', 'sip:a@x.org'), [403, 'Relaying Denied']);
        assert.equal(await st.reload(), 3);
      }
      assert.deepEqual(await ask('sip:bob@new.example', 'sip:a@x.org'), [202, 'Foreign To Local']);
    } finally {
      peer.close();
      await srv.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
