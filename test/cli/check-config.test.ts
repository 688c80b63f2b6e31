// `ser -c`: check a configuration file and exit (admin guide §6.3). A good config says ok and
// exits 0; a bad one exits 1 with compiler-style diagnostics: "file:line:col: error: message",
// the source line, a caret line under the culprit, and a hint.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { ROOT, runSer, SHIPPED_CFG, tempDir, writeCfg, type SerResult } from './cli-helpers.js';

const GOOD = `# a small, valid stateless config
debug=3
fork=no
log_stderror=yes
loadmodule "/usr/lib/ser/modules/sl.so"
loadmodule "/usr/lib/ser/modules/maxfwd.so"

route{
	if (!mf_process_maxfwd_header("10")) {
		sl_send_reply("483", "Too Many Hops");
		break;
	};
	if (uri=~"^sip:.*@iptel\\.org") {
		log(1, "for iptel.org\\n");
	};
	if (method=="OPTIONS") {
		sl_send_reply("200", "OK");
		break;
	};
	route(1);
}

route[1]{
	sl_send_reply("404", "Not Found");
}
`;

/** No JavaScript stack trace or internal error leaked to the user. */
function assertNoCrash(r: SerResult): void {
  const all = r.stdout + r.stderr;
  assert.doesNotMatch(all, /^\s+at .+\(?(file:|node:)/m, `stack trace in the output:\n${all}`);
  assert.doesNotMatch(all, /\b(TypeError|ReferenceError|RangeError|SyntaxError|Unhandled|uncaught)\b/i, `internal error in the output:\n${all}`);
}

interface Expect {
  file: string;
  line: number;
  col: number;
  message: string | RegExp;
  /** the source line as printed after "N | " */
  source: string;
  /** how many characters the ^~~~ marker covers (default: just check it starts at col) */
  len?: number;
}

/**
 * Find the diagnostic `file:line:col: error: message` in `stderr` and check the two lines
 * after it: the source line and a marker whose caret sits under column `col` (tabs before it
 * copied from the source line so that it lines up in any terminal).
 */
function assertDiagnostic(stderr: string, e: Expect): string[] {
  const lines = stderr.split('\n');
  const head = `${e.file}:${e.line}:${e.col}: error: `;
  const i = lines.findIndex((l) => l.startsWith(head) && (typeof e.message === 'string' ? l.slice(head.length) === e.message : e.message.test(l.slice(head.length))));
  assert.ok(i >= 0, `no line "${head}${e.message}" in:\n${stderr}`);
  const src = lines[i + 1] ?? '';
  const mark = lines[i + 2] ?? '';
  const sm = /^(\s*)(\d+) \| (.*)$/.exec(src);
  assert.ok(sm, `source line missing after the diagnostic:\n${stderr}`);
  assert.equal(Number(sm[2]), e.line, 'line number in the source excerpt');
  assert.equal(sm[3], e.source, 'source excerpt');
  const gutter = sm[1]!.length + sm[2]!.length + 1;
  const mm = /^(\s*)\| (.*)$/.exec(mark);
  assert.ok(mm, `caret line missing:\n${stderr}`);
  assert.equal(mm[1]!.length, gutter, 'the marker line has the same gutter as the source line');
  const marker = mm[2]!;
  const caret = marker.indexOf('^');
  assert.equal(caret, e.col - 1, `caret under column ${e.col}:\n${src}\n${mark}`);
  assert.equal(marker.slice(0, caret), e.source.slice(0, caret).replace(/[^\t]/g, ' '), 'tabs before the caret are copied from the source');
  if (e.len !== undefined) assert.equal(marker.slice(caret), '^' + '~'.repeat(e.len - 1), `marker covers ${e.len} characters`);
  return lines.slice(i, i + 4);
}

/** The "hint: ..." line that follows the diagnostic (within the next 4 lines). */
function hintOf(block: string[]): string | undefined {
  return block.find((l) => l.startsWith('hint: '));
}

test('ser -c -f good.cfg exits 0 and says the config is ok', { timeout: 20_000 }, async (t) => {
  const dir = tempDir(t);
  writeCfg(dir, 'good.cfg', GOOD);
  const r = await runSer(t, ['-c', '-f', 'good.cfg'], { cwd: dir });
  assert.equal(r.timedOut, false, 'ser -c finished');
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^config file good\.cfg ok, exiting\.\.\.$/m);
  assert.doesNotMatch(r.stderr, /error/i);
  assertNoCrash(r);
});

test('ser -c without -f checks ./ser.cfg of the working directory (§6.3 default)', { timeout: 20_000 }, async (t) => {
  const dir = tempDir(t);
  writeCfg(dir, 'ser.cfg', 'fork=no\nroute{\n\tsl_send_replay("200", "OK");\n}\n');
  const r = await runSer(t, ['-c'], { cwd: dir });
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stderr, /^ser\.cfg:3:2: error: /m);
});

test('a misspelt function: file:line:col, the source line, a caret and "did you mean"', { timeout: 20_000 }, async (t) => {
  const dir = tempDir(t);
  writeCfg(
    dir,
    'typo.cfg',
    'loadmodule "/usr/lib/ser/modules/sl.so"\nroute{\n\tif (method=="OPTIONS") {\n\t\tsl_send_replay("200", "OK");\n\t};\n}\n',
  );
  const r = await runSer(t, ['-c', '-f', 'typo.cfg'], { cwd: dir });
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assertNoCrash(r);
  const block = assertDiagnostic(r.stderr, {
    file: 'typo.cfg',
    line: 4,
    col: 3,
    message: "unknown function 'sl_send_replay'",
    source: '\t\tsl_send_replay("200", "OK");',
    len: 'sl_send_replay'.length,
  });
  assert.equal(hintOf(block), "hint: did you mean 'sl_send_reply'?");
  // exactly what a user sees, line by line
  assert.deepEqual(block, [
    "typo.cfg:4:3: error: unknown function 'sl_send_replay'",
    '    4 | \t\tsl_send_replay("200", "OK");',
    '      | \t\t^~~~~~~~~~~~~~',
    "hint: did you mean 'sl_send_reply'?",
  ]);
  assert.doesNotMatch(r.stdout, /ok, exiting/);
});

interface BadCase {
  name: string;
  cfg: string;
  line: number;
  col: number;
  message: string | RegExp;
  source: string;
  len?: number;
  hint: RegExp;
}

const CASES: BadCase[] = [
  {
    name: 'an unknown core option',
    cfg: 'debug=3\nfork=no\nlog_stderr=yes\nroute{\n\tbreak;\n}\n',
    line: 3,
    col: 1,
    message: "unknown option 'log_stderr'",
    source: 'log_stderr=yes',
    len: 'log_stderr'.length,
    hint: /^hint: did you mean 'log_stderror'\?$/,
  },
  {
    name: 'an unknown module (loadmodule "/x/tmm.so")',
    cfg: '# modules\nloadmodule "/x/tmm.so"\nroute{\n\tbreak;\n}\n',
    line: 2,
    col: 12,
    message: /^unknown module 'tmm'/,
    source: 'loadmodule "/x/tmm.so"',
    len: '"/x/tmm.so"'.length,
    hint: /^hint: .*\bsl\b.*\bmaxfwd\b|^hint: did you mean/,
  },
  {
    name: 'a module function used without its loadmodule',
    cfg: 'loadmodule "/usr/lib/ser/modules/sl.so"\nroute{\n\tif (!mf_process_maxfwd_header("10")) {\n\t\tsl_send_reply("483", "Too Many Hops");\n\t};\n}\n',
    line: 3,
    col: 7,
    message: "function 'mf_process_maxfwd_header' is exported by module 'maxfwd', which is not loaded",
    source: '\tif (!mf_process_maxfwd_header("10")) {',
    len: 'mf_process_maxfwd_header'.length,
    hint: /^hint: add loadmodule "[^"]*maxfwd\.so"/,
  },
  {
    name: 'a wrong argument count',
    cfg: 'loadmodule "/usr/lib/ser/modules/sl.so"\nroute{\n    sl_send_reply("404");\n}\n',
    line: 3,
    col: 5,
    message: 'sl_send_reply() takes 2 arguments, not 1',
    source: '    sl_send_reply("404");',
    hint: /^hint: sl_send_reply\("404", "Not Found"\)/,
  },
  {
    name: 'a bad regular expression in uri=~"("',
    cfg: 'route{\n\tif (uri=~"(") {\n\t\tbreak;\n\t};\n}\n',
    line: 2,
    col: 11,
    message: /^bad regular expression/,
    source: '\tif (uri=~"(") {',
    len: '"("'.length,
    hint: /^hint: regular expressions are POSIX extended/,
  },
  {
    name: 'an unterminated string',
    cfg: 'loadmodule "/usr/lib/ser/modules/sl.so"\nroute{\n\tif (method=="OPTIONS) {\n\t\tsl_send_reply("200", "OK");\n\t};\n}\n',
    line: 3,
    col: 14,
    message: 'unterminated string',
    source: '\tif (method=="OPTIONS) {',
    hint: /^hint: .*clos/,
  },
  {
    name: "a missing '}'",
    cfg: 'loadmodule "/usr/lib/ser/modules/sl.so"\nroute{\n\tsl_send_reply("200", "OK");\n',
    line: 2,
    col: 6,
    message: /^unclosed '\{'/,
    source: 'route{',
    hint: /^hint: .*'\}'/,
  },
  {
    name: 'route(7) with no route[7]',
    cfg: 'route{\n\troute(7);\n}\n\nroute[1]{\n\tbreak;\n}\n',
    line: 2,
    col: 8,
    message: 'route(7) calls a route block that is not defined',
    source: '\troute(7);',
    hint: /^hint: .*route\[1\]|^hint: define route\[7\]/,
  },
  {
    name: 'a modparam of an unknown parameter',
    cfg: 'loadmodule "/usr/lib/ser/modules/maxfwd.so"\nmodparam("maxfwd", "max_limit", 16)\nroute{\n\tbreak;\n}\n',
    line: 2,
    col: 20,
    message: "module 'maxfwd' has no parameter 'max_limit'",
    source: 'modparam("maxfwd", "max_limit", 16)',
    len: '"max_limit"'.length,
    hint: /^hint: /,
  },
];

for (const c of CASES) {
  test(`ser -c rejects ${c.name}: exit 1 at ${c.line}:${c.col}`, { timeout: 20_000 }, async (t) => {
    const dir = tempDir(t);
    writeCfg(dir, 'bad.cfg', c.cfg);
    const r = await runSer(t, ['-c', '-f', 'bad.cfg'], { cwd: dir });
    assert.equal(r.timedOut, false, 'ser -c finished');
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assertNoCrash(r);
    assert.doesNotMatch(r.stdout, /ok, exiting/);
    const block = assertDiagnostic(r.stderr, { file: 'bad.cfg', line: c.line, col: c.col, message: c.message, source: c.source, len: c.len });
    const hint = hintOf(block);
    assert.ok(hint, `no hint after the diagnostic:\n${r.stderr}`);
    assert.match(hint, c.hint);
  });
}

test('ser -c reports every error of a file, in source order, and counts them', { timeout: 20_000 }, async (t) => {
  const dir = tempDir(t);
  writeCfg(dir, 'two.cfg', 'log_stderr=yes\nloadmodule "/usr/lib/ser/modules/sl.so"\nroute{\n\tsl_send_replay("200", "OK");\n}\n');
  const r = await runSer(t, ['-c', '-f', 'two.cfg'], { cwd: dir });
  assert.equal(r.code, 1, r.stdout + r.stderr);
  const heads = r.stderr.split('\n').filter((l) => /^two\.cfg:\d+:\d+: error: /.test(l));
  assert.deepEqual(
    heads.map((l) => l.split(': error: ')[0]),
    ['two.cfg:1:1', 'two.cfg:4:2'],
  );
  assert.match(r.stderr, /^ser: 2 errors in two\.cfg$/m);
});

test('ser -c -f on a missing file exits 1 with a one-line message', { timeout: 20_000 }, async (t) => {
  const dir = tempDir(t);
  const r = await runSer(t, ['-c', '-f', 'nonexistent.cfg'], { cwd: dir });
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stderr, /nonexistent\.cfg/);
  assertNoCrash(r);
});

test('the shipped etc/ser.cfg passes ser -c', { timeout: 20_000 }, async (t) => {
  const dir = tempDir(t);
  const r = await runSer(t, ['-c', '-f', SHIPPED_CFG], { cwd: dir });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /ok, exiting/);
  assert.doesNotMatch(r.stderr, /error/);
});

const BENCH = '/work/shared/bench/ser';
const benchCfg = (name: string) => (existsSync(path.join(BENCH, name)) ? path.join(BENCH, name) : path.join(ROOT, 'test', 'fixtures', 'cfg', 'bench', name));

for (const name of ['stateless.cfg', 'proxy.cfg', 'registrar.cfg']) {
  test(`the benchmark ${name} passes ser -c`, { timeout: 20_000 }, async (t) => {
    const dir = tempDir(t);
    const r = await runSer(t, ['-c', '-f', benchCfg(name)], { cwd: dir });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /ok, exiting/);
  });
}

test('workers=2 with tm is refused at the workers line: transactions live in one process', { timeout: 20_000 }, async (t) => {
  const dir = tempDir(t);
  writeCfg(dir, 'w.cfg', 'workers=2\nloadmodule "sl.so"\nloadmodule "tm.so"\nroute{\n\tt_relay();\n}\n');
  const r = await runSer(t, ['-c', '-f', 'w.cfg'], { cwd: dir });
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assertNoCrash(r);
  assert.match(r.stderr, /^w\.cfg:1:1: error: workers=2 cannot be used with module 'tm'/m);
  assert.match(r.stderr, /hint: remove the workers line/);
});

test('a module SER 0.8 had that this server does not provide is named as such', { timeout: 20_000 }, async (t) => {
  const dir = tempDir(t);
  writeCfg(dir, 'msilo.cfg', 'loadmodule "/usr/local/lib/ser/modules/msilo.so"\nroute{\n\tbreak;\n}\n');
  const r = await runSer(t, ['-c', '-f', 'msilo.cfg'], { cwd: dir });
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assertNoCrash(r);
  assert.match(r.stderr, /unknown module 'msilo'/);
  assert.match(r.stderr, /module 'msilo' is not available/);
});

