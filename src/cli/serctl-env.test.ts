import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dbUrl, fifoPath, settingsFromConfig, sipDomain, withPassword } from './serctl-env.js';

const CFG = `fifo="/tmp/my_fifo"
loadmodule "acc.so"
loadmodule "usrloc.so"
modparam("acc", "db_url", "mysql://acc@db/ser")
modparam("usrloc", "db_url", "mysql://ser:heslo@localhost/ser")
route{ break; }
`;

test('settingsFromConfig: usrloc\'s db_url before other modules\', and fifo=', () => {
  const s = settingsFromConfig(CFG, 'x.cfg');
  assert.equal(s.dbUrl, 'mysql://ser:heslo@localhost/ser');
  assert.equal(s.dbUrlFrom, 'usrloc');
  assert.equal(s.fifo, '/tmp/my_fifo');
});

test('dbUrl and fifoPath: environment, then config, then defaults', () => {
  const cfg = settingsFromConfig(CFG, 'x.cfg');
  const none = settingsFromConfig('route{ break; }', 'y.cfg');
  assert.equal(dbUrl({ env: { SER_DB_URL: 'sqlite://a.db' }, cwd: '/' }, cfg).url, 'sqlite://a.db');
  assert.equal(dbUrl({ env: {}, cwd: '/' }, cfg).url, 'mysql://ser:heslo@localhost/ser');
  assert.equal(dbUrl({ env: {}, cwd: '/' }, none).url, 'sqlite://ser.db');
  assert.equal(fifoPath({ env: { SER_FIFO: '/x' }, cwd: '/' }, cfg), '/x');
  assert.equal(fifoPath({ env: {}, cwd: '/' }, cfg), '/tmp/my_fifo');
  assert.equal(fifoPath({ env: {}, cwd: '/' }, none), '/tmp/ser_fifo');
});

test('withPassword puts PW into a db_url without one; sipDomain says to export SIP_DOMAIN', () => {
  assert.equal(withPassword('mysql://ser@localhost/ser', 'p@ss'), 'mysql://ser:p%40ss@localhost/ser');
  assert.equal(withPassword('sqlite:///x.db', 'p'), 'sqlite:///x.db');
  assert.throws(() => sipDomain({ env: {}, cwd: '/' }), /export SIP_DOMAIN/);
  assert.equal(sipDomain({ env: { SIP_DOMAIN: 'foo.bar' }, cwd: '/' }), 'foo.bar');
});
