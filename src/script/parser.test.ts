import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import type { Assign, Call, Expr, If, LoadModule, Loc, ModParam, RouteBlock, Script, Stmt, Value } from './ast.js';
import { ConfigError } from './config-error.js';
import { parseScript, ROUTE_TABLE_SIZE } from './parser.js';

// ------------------------------------------------------------------ helpers

const FIXTURES = new URL('../../../test/fixtures/cfg/', import.meta.url);
const fixture = (path: string): string => readFileSync(new URL(path, FIXTURES), 'utf8');
/** Guide fragments are statements only: put them in a route block (one line added on top). */
const wrap = (fragment: string): string => `route {\n${fragment}}\n`;

function parse(text: string, file = 't.cfg') {
  return parseScript(text, file);
}

function routeBody(text: string): Stmt[] {
  const { script } = parse(`route {\n${text}\n}\n`);
  return (script.items[0] as RouteBlock).body;
}

function parseError(text: string, file = 't.cfg'): ConfigError {
  try {
    parseScript(text, file);
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
    assert.equal(e.severity, 'error');
    assert.ok(e.loc, 'the error has a location');
    return e;
  }
  assert.fail(`expected a syntax error in:\n${text}`);
}

const pos = (l: Loc | undefined): string => (l ? `${l.line}:${l.col}` : 'none');
const span = (l: Loc | undefined): string => (l ? `${l.line}:${l.col}+${l.len}` : 'none');

function showValue(v: Value): string {
  return v.kind === 'string' ? JSON.stringify(v.value) : v.text;
}

function showExpr(e: Expr): string {
  switch (e.type) {
    case 'cmp':
      return `${e.lhs}${e.op}${showValue(e.rhs)}`;
    case 'not':
      return `!${showExpr(e.expr)}`;
    case 'and':
      return `(${showExpr(e.left)} && ${showExpr(e.right)})`;
    case 'or':
      return `(${showExpr(e.left)} || ${showExpr(e.right)})`;
    case 'number':
      return String(e.value);
    case 'call':
      return showCall(e);
  }
}

function showCall(c: Call): string {
  return c.parens ? `${c.name}(${c.args.map(showValue).join(',')})` : c.name;
}

function showStmts(body: Stmt[]): string {
  return body.map(showStmt).join('; ');
}

function showStmt(s: Stmt): string {
  switch (s.type) {
    case 'call':
      return showCall(s);
    case 'break':
      return 'break';
    case 'block':
      return `{${showStmts(s.body)}}`;
    case 'if':
      return `if ${showExpr(s.cond)} {${showStmts(s.then)}}` + (s.else ? ` else {${showStmts(s.else)}}` : '');
  }
}

/** Every node of a script, for checking that they all have sane locations. */
function* allLocs(script: Script): Generator<Loc> {
  function* value(v: Value): Generator<Loc> {
    yield v.loc;
  }
  function* expr(e: Expr): Generator<Loc> {
    yield e.loc;
    if (e.type === 'cmp') yield* value(e.rhs);
    else if (e.type === 'not') yield* expr(e.expr);
    else if (e.type === 'and' || e.type === 'or') {
      yield* expr(e.left);
      yield* expr(e.right);
    } else if (e.type === 'call') for (const a of e.args) yield* value(a);
  }
  function* stmts(b: Stmt[]): Generator<Loc> {
    for (const s of b) {
      yield s.loc;
      if (s.type === 'call') for (const a of s.args) yield* value(a);
      else if (s.type === 'block') yield* stmts(s.body);
      else if (s.type === 'if') {
        yield* expr(s.cond);
        yield* stmts(s.then);
        if (s.else) yield* stmts(s.else);
      }
    }
  }
  for (const it of script.items) {
    yield it.loc;
    if (it.type === 'assign') for (const v of it.values) yield* value(v);
    else if (it.type === 'loadmodule') yield* value(it.path);
    else if (it.type === 'modparam') {
      yield* value(it.module);
      yield* value(it.param);
      yield* value(it.value);
    } else yield* stmts(it.body);
  }
}

/** The text a location points at (its first line only). */
function textAt(text: string, l: Loc): string {
  const line = text.split('\n')[l.line - 1]!;
  return line.slice(l.col - 1, l.col - 1 + l.len);
}

function checkLocs(text: string, script: Script, file: string): void {
  for (const l of allLocs(script)) {
    assert.equal(l.file, file);
    assert.ok(l.line >= 1 && l.col >= 1 && l.len >= 1, `bad loc ${span(l)}`);
    assert.ok(textAt(text, l).length === l.len, `loc ${span(l)} goes beyond its line`);
  }
}

// ------------------------------------------------------------------ the guide's scripts

/** Complete scripts of the admin guide (chapters 2-6) and the warnings each must give. */
const GUIDE_SCRIPTS: Record<string, string[]> = {
  'ex2-05.cfg': ["12:35: missing ';' after 'log(...)'"],
  'ex2-16.cfg': [],
  'ex2-17.cfg': [],
  'ex2-18.cfg': [],
  'ex2-19.cfg': [],
  'ex2-20.cfg': [],
  'ex2-21.cfg': [],
  'ex3-05.cfg': [],
  'ex3-08.cfg': [],
  'ex3-09.cfg': [],
  'ex3-10.cfg': [],
  'ex3-11.cfg': [],
  // exec_s2.cfg: a double-quoted string over three lines (legal in SER)
  'ex4-02.cfg': ['17:10: string contains a line break'],
  // exec_s5.cfg, with the PDF's typographic quotes put back to ' and `
  'ex4-05.cfg': ['51:15: string contains a line break'],
  'ex5-03.cfg': [],
  'ex6-01.cfg': [],
  'ex6-02.cfg': [],
};

/** Script fragments of the guide (statements of a route block). Positions are in the wrapped text. */
const GUIDE_FRAGMENTS: Record<string, string[]> = {
  'ex2-01.frag': [],
  'ex2-02.frag': [],
  'ex2-07.frag': [],
  'ex2-08.frag': ["3:39: missing ';' after 'rewriteuri(...)'"],
  'ex2-09.frag': [],
  'ex2-10.frag': [],
  'ex2-15.frag': [],
  'ex3-12.frag': [],
  'sec3-2-11.frag': [],
  'ex6-06.frag': [],
  'ex6-07.frag': [],
};

const showWarnings = (ws: ConfigError[]): string[] => ws.map((w) => `${pos(w.loc)}: ${w.message}`);

describe('the admin guide examples', () => {
  for (const [name, warnings] of Object.entries(GUIDE_SCRIPTS)) {
    test(`${name} parses`, () => {
      const text = fixture(`guide/${name}`);
      const r = parse(text, name);
      assert.deepEqual(showWarnings(r.warnings), warnings);
      assert.ok(r.warnings.every((w) => w.severity === 'warning'));
      assert.ok(r.script.items.some((i) => i.type === 'route'));
      checkLocs(text, r.script, name);
    });
  }
  for (const [name, warnings] of Object.entries(GUIDE_FRAGMENTS)) {
    test(`${name} parses in a route block`, () => {
      const text = wrap(fixture(`guide/${name}`));
      const r = parse(text, name);
      assert.deepEqual(showWarnings(r.warnings), warnings);
      assert.equal(r.script.items.length, 1);
      checkLocs(text, r.script, name);
    });
  }

  test('Example 2-17 (the default ser.cfg): items and route logic', () => {
    const { script } = parse(fixture('guide/ex2-17.cfg'), 'ser.cfg');
    const items = script.items.map((i) => (i.type === 'assign' ? `${i.name}=${i.values.map(showValue).join(' ')}` : i.type));
    assert.deepEqual(items, [
      'check_via=no',
      'dns=no',
      'rev_dns=no',
      'fifo="/tmp/ser_fifo"',
      'loadmodule',
      'loadmodule',
      'loadmodule',
      'loadmodule',
      'loadmodule',
      'loadmodule',
      'modparam',
      'modparam',
      'route',
    ]);
    const route = script.items[12] as RouteBlock;
    assert.equal(route.kind, 'request');
    assert.equal(route.index, 0);
    assert.equal(span(route.loc), '69:1+5');
    assert.equal(
      showStmts(route.body),
      [
        'if !mf_process_maxfwd_header("10") {sl_send_reply("483","Too Many Hops"); break}',
        'if len_gt(max_len) {sl_send_reply("513","Message too big"); break}',
        'record_route()',
        'if loose_route() {t_relay(); break}',
        'if uri==myself {if method=="REGISTER" {save("location"); break}; if !lookup("location") {sl_send_reply("404","Not Found"); break}}',
        'if !t_relay() {sl_reply_error()}',
      ].join('; '),
    );
    const first = route.body[0] as If;
    assert.equal(span(first.loc), '73:1+2');
    assert.equal(span(first.cond.loc), '73:5+1');
    const call = (first.cond as { expr: Call }).expr;
    assert.equal(span(call.loc), '73:6+24');
    assert.equal(span(call.args[0]!.loc), '73:31+4');
    const lm = script.items[4] as LoadModule;
    assert.deepEqual(lm.path, { kind: 'string', value: '/usr/local/lib/ser/modules/sl.so', loc: { file: 'ser.cfg', line: 30, col: 12, len: 34 } });
  });

  test('Example 2-21: failure_route blocks', () => {
    const { script } = parse(fixture('guide/ex2-21.cfg'));
    const routes = script.items.filter((i): i is RouteBlock => i.type === 'route').map((r) => `${r.kind}[${r.index}] ${showStmts(r.body)}`);
    assert.deepEqual(routes, [
      'request[0] if method=="REGISTER" {log("REGISTER"); sl_send_reply("200","ok"); break}; seturi("sip:nobody@iptel.org"); append_branch("sip:parallel@iptel.org:9"); t_on_failure("1"); t_relay()',
      'failure[1] append_branch("sip:nonsense@iptel.org"); log(1,"first redirection\\n"); t_on_failure("2"); t_relay()',
      'failure[2] append_branch("sip:foo@iptel.org"); log(1,"second redirection\\n"); t_relay()',
    ]);
    const tm = script.items.filter((i): i is ModParam => i.type === 'modparam').map((m) => `${showValue(m.module)} ${showValue(m.param)} ${showValue(m.value)}`);
    assert.deepEqual(tm, ['"tm" "fr_inv_timer" 15', '"tm" "fr_timer" 10']);
  });

  test("Example 3-8 (pstn.cfg): single '|' is or, else-if chains, comments inside calls", () => {
    const { script } = parse(fixture('guide/ex3-08.cfg'));
    const route = script.items.find((i): i is RouteBlock => i.type === 'route')!;
    const s = showStmts(route.body);
    assert.ok(
      s.includes(
        'if ((is_user_in("Request-URI","free-pstn") || uri=~"sip:[79][0-9][0-9][0-9]@.*") || uri=~"sip:98[0-9][0-9][0-9][0-9]") {log("free call")} else {if src_ip==192.168.0.10 {log("gateway-originated request")} else {',
      ),
      s,
    );
    assert.ok(s.includes('if !uri=~"sip:\\\\+?[0-9]+@.*" {'), s);
    assert.ok(s.includes('if !proxy_authorize("gateway","subscriber") {proxy_challenge("gateway","0"); break}'), s);
    assert.ok(s.includes('rewritehostport("192.168.0.10:5060")'), s);
  });

  test('Example 3-10: !src_ip==host and modparam with a string value', () => {
    const { script } = parse(fixture('guide/ex3-10.cfg'));
    const route = script.items.find((i): i is RouteBlock => i.type === 'route')!;
    assert.ok(showStmts(route.body).includes('if !src_ip==backup.foo.bar {t_replicate("backup.foo.bar","5060")}'));
  });

  test('Example 4-5: `if (...) route(1)` newline `else ...;` and multi-line single-quoted strings', () => {
    const { script } = parse(fixture('guide/ex4-05.cfg'));
    const route = script.items.find((i): i is RouteBlock => i.type === 'route')!;
    assert.ok(showStmts(route.body).includes('if method=="INVITE" {route(1)} else {sl_send_reply("404","Not Found")}; break'));
    const r1 = script.items.filter((i): i is RouteBlock => i.type === 'route')[1]!;
    const cond = (r1.body[1] as If).cond as { expr: Call };
    const arg = cond.expr.args[0]!;
    assert.equal(arg.kind, 'string');
    assert.ok(arg.kind === 'string' && arg.value.startsWith('\nQUERY="select email_address from subscriber\nwhere user=\\"$SIP_OUSER\\"";\nEMAIL=`mysql'));
  });

  test('Example 5-3: else-if on the line after a }', () => {
    const { script } = parse(fixture('guide/ex5-03.cfg'));
    const route = script.items.find((i): i is RouteBlock => i.type === 'route')!;
    assert.ok(showStmts(route.body).includes('if uri=~"conference" {if !vm("/tmp/am_fifo","conference")'));
    assert.ok(showStmts(route.body).includes('} else {if uri=~"echo" {'));
  });

  test('Example 2-6 parses once its closing "};" ends the enclosing block', () => {
    const r = parse(`route {\n${fixture('guide/ex2-06.frag')}`);
    const body = (r.script.items[0] as RouteBlock).body;
    assert.equal(
      showStmts(body),
      'if uri=~"^sip:(.+@)?(192\\\\.168\\\\.0\\\\.10|(sip\\\\.)?foo\\\\.bar)([:;\\\\?].*)?$" {log(1,"yes, it is a request for our domain")}; break',
    );
  });

  test('Example 3-7 without its trailing "..." line', () => {
    const text = fixture('guide/ex3-07.frag').replace(/^\.\.\.$/m, '');
    const body = routeBody(text);
    assert.equal(
      showStmts(body),
      'if !uri==myself {route(1); break}; if method=="REGISTER" {route(3); break}; lookup("aliases"); if !uri==myself {route(1); break}',
    );
  });

  test('the one-line examples of chapter 6', () => {
    const lines = [
      'break;',
      'setflag(1);',
      'resetflag(1);',
      'sethost("foo.bar.com");',
      'sethostport("foo.bar.com:5060");',
      'setuser("joe");',
      'setuserpass("joe:mypass");',
      'setport("5060");',
      'seturi("sip:joe@foo.bar.com:5060");',
      'revert_uri();',
      'prefix("123");',
      'strip(3);',
      'forward("foo.bar.com"); # port defaults to 5060',
      'send("foo.bar.com");',
      'log(1, "This is a message with high log-level set to 1\\n");',
    ];
    const body = routeBody(lines.join('\n'));
    assert.equal(
      showStmts(body),
      'break; setflag(1); resetflag(1); sethost("foo.bar.com"); sethostport("foo.bar.com:5060"); setuser("joe"); setuserpass("joe:mypass"); ' +
        'setport("5060"); seturi("sip:joe@foo.bar.com:5060"); revert_uri(); prefix("123"); strip(3); forward("foo.bar.com"); send("foo.bar.com"); ' +
        'log(1,"This is a message with high log-level set to 1\\n")',
    );
  });

  test('ser-howto: modparam with a space before "("', () => {
    const { script } = parse('modparam ("usrloc", "db_mode",  0)\nmodparam ("auth_db", "calculate_ha1", yes)\n');
    assert.deepEqual(
      script.items.map((i) => {
        const m = i as ModParam;
        return [showValue(m.module), showValue(m.param), showValue(m.value), m.value.kind];
      }),
      [
        ['"usrloc"', '"db_mode"', '0', 'word'],
        ['"auth_db"', '"calculate_ha1"', 'yes', 'word'],
      ],
    );
  });
});

/** The typos of the guide: a precise error, never a crash. Positions are in the text as parsed. */
describe("the guide's broken examples give precise errors", () => {
  const cases: [string, boolean, string, RegExp][] = [
    // search("(f|From): .*@mydomain.com)) -- the string is never closed on its line
    ['ex2-03.frag', true, '5:12', /^unterminated string$/],
    // fragments with "# ...." in place of the rest: the last '{' is never closed
    ['ex2-04.frag', true, '8:59', /^unclosed '\{'$/],
    // `if (...)` without '{' but with the "};" that would close it
    ['ex2-06.frag', true, '7:1', /^unmatched '\}'$/],
    // if (!lookup("location") {
    ['ex2-13.frag', true, '10:25', /^unexpected '\{', expected '\)' to close the '\(' at 10:4$/],
    // loadmodule "/usr/lib/ser/modules/sl.so  (no closing quote)
    ['ex2-14.cfg', false, '2:12', /^unterminated string$/],
    // "...." standing for more code
    ['ex3-04.frag', true, '4:1', /^unexpected '\.\.\.\.', expected a statement/],
    // uri=~[@:\.]domain.foo"  (opening quote missing)
    ['ex3-06.frag', true, '4:10', /^the value after 'uri=~' must be quoted$/],
    ['ex3-07.frag', true, '20:1', /^unexpected '\.\.\.', expected a statement/],
    // if (method=="REGISTER) {
    ['ex6-03.frag', true, '2:13', /^unterminated string$/],
    ['ex6-04.frag', true, '2:13', /^unterminated string$/],
  ];
  for (const [name, isFragment, where, message] of cases) {
    test(name, () => {
      const raw = fixture(`guide/${name}`);
      const text = isFragment ? wrap(raw) : raw;
      const e = parseError(text, name);
      assert.equal(pos(e.loc), where, e.format(text));
      assert.match(e.message, message);
      assert.equal(e.loc!.file, name);
      // and it formats with the source line
      assert.ok(e.format(text).startsWith(`${name}:${where}: error: `));
    });
  }

  test('the unterminated string of Example 6-3 explains where the string ran to', () => {
    const e = parseError(wrap(fixture('guide/ex6-03.frag')));
    assert.match(e.hint!, /runs on to line 3/);
    assert.match(e.hint!, /unexpected 'register'/);
    assert.equal(e.loc!.len, '"REGISTER) {'.length);
  });
});

// ------------------------------------------------------------------ the benchmark scripts

describe('the benchmark scripts (bench/ser)', () => {
  for (const name of ['proxy.cfg', 'registrar.cfg', 'stateless.cfg']) {
    test(`${name} parses without warnings`, () => {
      const text = fixture(`bench/${name}`);
      const r = parse(text, name);
      assert.deepEqual(r.warnings, []);
      checkLocs(text, r.script, name);
    });
  }

  test('proxy.cfg: structure and positions (tabs count as one column)', () => {
    const { script } = parse(fixture('bench/proxy.cfg'), 'proxy.cfg');
    const assigns = script.items.filter((i): i is Assign => i.type === 'assign').map((a) => `${a.name}=${a.values.map(showValue).join(' ')}`);
    assert.deepEqual(assigns, ['check_via=no', 'dns=no', 'rev_dns=no', 'listen=127.0.0.1', 'port=5060', 'children=2', 'log_stderror=yes', 'debug=0']);
    const listen = script.items[3] as Assign;
    assert.equal(span(listen.loc), '5:1+6');
    assert.deepEqual(listen.values[0], { kind: 'word', text: '127.0.0.1', loc: { file: 'proxy.cfg', line: 5, col: 8, len: 9 } });
    const route = script.items.find((i): i is RouteBlock => i.type === 'route')!;
    assert.equal(span(route.loc), '18:1+5');
    const if1 = route.body[0] as If;
    assert.equal(span(if1.loc), '19:2+2');
    const reply = if1.then[0] as Call;
    assert.equal(span(reply.loc), '20:3+13');
    assert.deepEqual(reply.args.map((a) => span(a.loc)), ['20:17+5', '20:23+15']);
    assert.equal(span(if1.then[1]!.loc), '21:3+5');
    const lenGt = (route.body[1] as If).cond as Call;
    assert.deepEqual(lenGt.args, [{ kind: 'word', text: 'max_len', loc: { file: 'proxy.cfg', line: 23, col: 14, len: 7 } }]);
    const uriIf = route.body[4] as If;
    assert.equal(showExpr(uriIf.cond), 'uri==myself');
    assert.equal(span(uriIf.cond.loc), '32:6+11');
  });

  test('registrar.cfg: one-line if blocks', () => {
    const { script } = parse(fixture('bench/registrar.cfg'));
    const route = script.items.find((i): i is RouteBlock => i.type === 'route')!;
    assert.equal(
      showStmts(route.body),
      'if !mf_process_maxfwd_header("10") {sl_send_reply("483","Too Many Hops"); break}; if method=="REGISTER" {save("location"); break}; ' +
        'if !lookup("location") {sl_send_reply("404","Not Found"); break}; t_relay()',
    );
  });
});

// ------------------------------------------------------------------ grammar

describe('top-level items', () => {
  test('options: words, strings, several values, any option name', () => {
    const text = [
      'debug=3',
      'fork=yes',
      'listen=192.168.2.16',
      'listen=udp:10.0.0.1:5060',
      'listen=[::1]',
      'listen=[2001:db8::1]:5060 tcp:10.0.0.2 "x"',
      'alias="foo.bar"',
      'alias=foo.bar:5060',
      'port = 5060',
      'fifo="/tmp/ser_fifo"',
      'fifo_mode=0666',
      'check_via=no # (cmd. line: -v)',
      'memlog=-1',
      'some_future_option=what-ever',
      'a=1 b=2',
    ].join('\n');
    const { script, warnings } = parse(text);
    assert.deepEqual(warnings, []);
    assert.deepEqual(
      script.items.map((i) => {
        const a = i as Assign;
        return `${a.name}=${a.values.map((v) => `${v.kind}:${showValue(v)}`).join(' ')}`;
      }),
      [
        'debug=word:3',
        'fork=word:yes',
        'listen=word:192.168.2.16',
        'listen=word:udp:10.0.0.1:5060',
        'listen=word:[::1]',
        'listen=word:[2001:db8::1]:5060 word:tcp:10.0.0.2 string:"x"',
        'alias=string:"foo.bar"',
        'alias=word:foo.bar:5060',
        'port=word:5060',
        'fifo=string:"/tmp/ser_fifo"',
        'fifo_mode=word:0666',
        'check_via=word:no',
        'memlog=word:-1',
        'some_future_option=word:what-ever',
        'a=word:1',
        'b=word:2',
      ],
    );
    const listen = script.items[5] as Assign;
    assert.deepEqual(listen.values.map((v) => span(v.loc)), ['6:8+18', '6:27+12', '6:40+3']);
    assert.equal(span(script.items[15]!.loc), '15:5+1');
  });

  test('a value on the next line is not taken as a second value', () => {
    const e = parseError('alias=foo\nbar\n');
    assert.equal(pos(e.loc), '3:1');
    assert.match(e.message, /^unexpected end of file, expected '=' after option name 'bar'$/);
  });

  test('loadmodule, modparam, routes in any order; stray ";" at top level', () => {
    const text = 'route[1] { }\nloadmodule "tm.so";\nmodparam("tm", "fr_timer", 10);\ndebug=1\nroute { };\nfailure_route[9] {}\n';
    const { script } = parse(text);
    assert.deepEqual(
      script.items.map((i) => (i.type === 'route' ? `${i.kind}[${i.index}]` : i.type)),
      ['request[1]', 'loadmodule', 'modparam', 'assign', 'request[0]', 'failure[9]'],
    );
    const mp = script.items[2] as ModParam;
    assert.equal(span(mp.loc), '3:1+8');
    assert.deepEqual([mp.module, mp.param, mp.value].map((v) => `${v.kind}:${showValue(v)}@${span(v.loc)}`), [
      'string:"tm"@3:10+4',
      'string:"fr_timer"@3:16+10',
      'word:10@3:28+2',
    ]);
    assert.equal(span((script.items[1] as LoadModule).path.loc), '2:12+7');
  });

  test('route kinds; onreply_route and branch_route are parsed for the resolver to judge', () => {
    const { script, warnings } = parse('route{}\nroute[3]{}\nfailure_route[2]{}\nonreply_route[1]{}\nbranch_route[4]{}\n');
    assert.deepEqual(
      script.items.map((i) => {
        const r = i as RouteBlock;
        return `${r.kind}[${r.index}]@${span(r.loc)}`;
      }),
      ['request[0]@1:1+5', 'request[3]@2:1+8', 'failure[2]@3:1+16', 'onreply[1]@4:1+16', 'branch[4]@5:1+15'],
    );
    assert.deepEqual(warnings, []);
    assert.equal(ROUTE_TABLE_SIZE, 10);
  });

  test('reply_route is failure_route, with a deprecation warning', () => {
    const { script, warnings } = parse('route { t_on_failure("1"); t_relay(); }\nreply_route[1] {\n  t_relay();\n}\n');
    const r = script.items[1] as RouteBlock;
    assert.equal(r.kind, 'failure');
    assert.equal(r.index, 1);
    assert.equal(warnings.length, 1);
    const w = warnings[0]!;
    assert.equal(w.severity, 'warning');
    assert.equal(span(w.loc), '2:1+14');
    assert.match(w.message, /deprecated/);
    assert.match(w.message, /failure_route/);
    assert.equal(w.hint, 'write failure_route[1]');
  });
});

describe('statements', () => {
  test('calls with and without parentheses, break with or without them, empty statements', () => {
    const body = routeBody('t_relay; drop; drop(); break; break(); ; ;; append_branch(); route(2);');
    assert.equal(showStmts(body), 't_relay; drop; drop(); break; break; append_branch(); route(2)');
    assert.deepEqual(
      body.map((s) => (s.type === 'call' ? s.parens : s.type)),
      [false, false, true, 'break', 'break', true, true],
    );
  });

  test('arguments: strings and words', () => {
    const body = routeBody(
      [
        'forward( 192.168.99.3, 5080 );',
        'forward(uri:host, uri:port);',
        'forward(gateway.foo.bar, 5060);',
        'forward(my-gw.example.com, -1);',
        'forward([::1], 2001:db8::1);',
        'log(1, "x\\n");',
        "sl_send_reply('404', \"Not Found\");",
        'len_gt( max_len );',
        'f("a" /* comment */ , # comment\n b);',
      ].join('\n'),
    );
    assert.deepEqual(
      body.map((s) => (s as Call).args.map((a) => `${a.kind}:${a.kind === 'string' ? a.value : a.text}`)),
      [
        ['word:192.168.99.3', 'word:5080'],
        ['word:uri:host', 'word:uri:port'],
        ['word:gateway.foo.bar', 'word:5060'],
        ['word:my-gw.example.com', 'word:-1'],
        ['word:[::1]', 'word:2001:db8::1'],
        ['word:1', 'string:x\n'],
        ['string:404', 'string:Not Found'],
        ['word:max_len'],
        ['string:a', 'word:b'],
      ],
    );
  });

  test('nested blocks and `};`', () => {
    const body = routeBody('{ f(); { g(); }; };\n{}\n');
    assert.equal(showStmts(body), '{f(); {g()}}; {}');
    assert.equal(span(body[0]!.loc), '2:1+1');
  });

  test('if / else forms', () => {
    const cases: [string, string][] = [
      ['if (a()) f();', 'if a() {f()}'],
      ['if (a()) f(); else g();', 'if a() {f()} else {g()}'],
      ['if (a()) f() else g();', 'if a() {f()} else {g()}'],
      ['if (a()) { f(); } else { g(); };', 'if a() {f()} else {g()}'],
      ['if (a()) { f(); }; else { g(); };', 'if a() {f()} else {g()}'],
      ['if (a()) { f(); } else if (b()) { g(); } else { h(); }', 'if a() {f()} else {if b() {g()} else {h()}}'],
      ['if (a()) if (b()) f(); else g();', 'if a() {if b() {f()} else {g()}}'],
      ['if (a()) if (b()) f() else g() else h();', 'if a() {if b() {f()} else {g()}} else {h()}'],
      ['if (a()) break; else break();', 'if a() {break} else {break}'],
      ['if (a()) {} f();', 'if a() {}; f()'],
      ['if (method=="INVITE") record_route();', 'if method=="INVITE" {record_route()}'],
      ['if(t_newtran()){t_reply("100","Trying");}', 'if t_newtran() {t_reply("100","Trying")}'],
      ['if a() { f(); }', 'if a() {f()}'],
      ['if (a()) { f(); }\nelse\n{ g(); }', 'if a() {f()} else {g()}'],
    ];
    for (const [src, want] of cases) {
      const { script, warnings } = parse(`route {\n${src}\n}`);
      assert.equal(showStmts((script.items[0] as RouteBlock).body), want, src);
      assert.deepEqual(warnings, [], src);
    }
  });

  test('an empty if body is accepted with a warning', () => {
    const { script, warnings } = parse('route {\n  if (a()); f();\n}\n');
    assert.equal(showStmts((script.items[0] as RouteBlock).body), 'if a() {}; f()');
    assert.deepEqual(showWarnings(warnings), ["2:11: empty statement after 'if'"]);
  });

  test("a missing ';' before a line break or '}' is a warning at the end of the call", () => {
    const text = 'route {\n  f()\n  g(1) # c\n  if (a()) { h() }\n  i\n  break\n}\n';
    const { script, warnings } = parse(text);
    assert.equal(showStmts((script.items[0] as RouteBlock).body), 'f(); g(1); if a() {h()}; i; break');
    assert.deepEqual(showWarnings(warnings), [
      "2:6: missing ';' after 'f(...)'",
      "3:7: missing ';' after 'g(...)'",
      "4:17: missing ';' after 'h(...)'",
      "5:4: missing ';' after 'i'",
      "6:8: missing ';' after 'break'",
    ]);
    assert.ok(warnings.every((w) => w.severity === 'warning' && w.loc!.len === 1 && w.loc!.file === 't.cfg'));
  });
});

describe('conditions', () => {
  const cond = (src: string): Expr => {
    const body = routeBody(`if (${src}) f();`);
    return (body[0] as If).cond;
  };

  test('operands, operators and right-hand sides of Table 2-1', () => {
    const cases: [string, string][] = [
      ['method=="INVITE"', 'method=="INVITE"'],
      ['method==INVITE', 'method==INVITE'],
      ['uri=~"^sip:[0-9]+@foo\\.bar"', 'uri=~"^sip:[0-9]+@foo\\\\.bar"'],
      ['uri==myself', 'uri==myself'],
      ['uri != myself', 'uri!=myself'],
      ['uri !~ "x"', 'uri!~"x"'],
      ['src_ip==192.168.0.0/16', 'src_ip==192.168.0.0/16'],
      ['src_ip==10.0.0.0/255.0.0.0', 'src_ip==10.0.0.0/255.0.0.0'],
      ['src_ip==192.168.2.15', 'src_ip==192.168.2.15'],
      ['src_ip=="192.168.2.15"', 'src_ip=="192.168.2.15"'],
      ['src_ip==backup.foo.bar', 'src_ip==backup.foo.bar'],
      ['dst_ip==127.0.0.1', 'dst_ip==127.0.0.1'],
      ['dst_ip==[::1]', 'dst_ip==[::1]'],
      ['dst_ip==::1/128', 'dst_ip==::1/128'],
      ['src_port==5060', 'src_port==5060'],
      ['dst_port==5061', 'dst_port==5061'],
      ['proto==udp', 'proto==udp'],
      ['af==inet6', 'af==inet6'],
    ];
    for (const [src, want] of cases) assert.equal(showExpr(cond(src)), want, src);
  });

  test('calls, numbers, negation and precedence', () => {
    const cases: [string, string][] = [
      ['search("^(Contact|m): .*@(192\\.168\\.|10\\.|172\\.16)")', 'search("^(Contact|m): .*@(192\\\\.168\\\\.|10\\\\.|172\\\\.16)")'],
      ['!mf_process_maxfwd_header("10")', '!mf_process_maxfwd_header("10")'],
      ['1', '1'],
      ['0', '0'],
      ['-1', '-1'],
      ['t_relay', 't_relay'],
      ['a() || b() && c()', '(a() || (b() && c()))'],
      ['a() && b() || c()', '((a() && b()) || c())'],
      ['a() or b() and not c()', '(a() || (b() && !c()))'],
      ['a() | b() & c()', '(a() || (b() && c()))'],
      ['!a() && b()', '(!a() && b())'],
      ['!(a() && b())', '!(a() && b())'],
      ['!!a()', '!!a()'],
      ['(src_ip==192.68.77.110 and method=="INVITE")', '(src_ip==192.68.77.110 && method=="INVITE")'],
      ['(method=="INVITE" || method=="ACK") && t_newtran()', '((method=="INVITE" || method=="ACK") && t_newtran())'],
      ['a() || b() || c()', '((a() || b()) || c())'],
      ['!uri==myself', '!uri==myself'],
    ];
    for (const [src, want] of cases) assert.equal(showExpr(cond(src)), want, src);
  });

  test('positions of expression nodes', () => {
    //            1234567890123456789012345678901234567890
    const line = 'if (!(uri=~"^sip:" && src_port==5060) || not f(x)) g();';
    const c = (routeBody(line)[0] as If).cond;
    assert.equal(c.type, 'or');
    if (c.type !== 'or') return;
    assert.equal(span(c.loc), '2:39+2');
    const not = c.left;
    assert.equal(span(not.loc), '2:5+1');
    assert.ok(not.type === 'not' && not.expr.type === 'and');
    if (not.type !== 'not' || not.expr.type !== 'and') return;
    assert.equal(span(not.expr.loc), '2:20+2');
    assert.equal(span(not.expr.left.loc), '2:7+12');
    assert.ok(not.expr.left.type === 'cmp');
    if (not.expr.left.type === 'cmp') assert.equal(span(not.expr.left.rhs.loc), '2:12+7');
    assert.equal(span(not.expr.right.loc), '2:23+14');
    const not2 = c.right;
    assert.equal(span(not2.loc), '2:42+3');
    assert.ok(not2.type === 'not');
    if (not2.type === 'not') assert.equal(span(not2.expr.loc), '2:46+1');
    const num = (routeBody('if (1) f();')[0] as If).cond;
    assert.deepEqual(num, { type: 'number', value: 1, loc: { file: 't.cfg', line: 2, col: 5, len: 1 } });
  });
});

describe('strings and comments', () => {
  const str = (src: string): string => {
    const call = routeBody(`f(${src});`)[0] as Call;
    const v = call.args[0]!;
    assert.equal(v.kind, 'string');
    return v.kind === 'string' ? v.value : '';
  };

  test('escapes', () => {
    assert.equal(str('"a\\nb\\rc\\td\\ae"'), 'a\nb\rc\td\x07e');
    assert.equal(str('"q\\"q \\\\ \\\'"'), 'q"q \\ \'');
    // single-quoted: as written, as SER's cfg.lex read them
    assert.equal(str("'raw \\\"x\\\" \\n'"), 'raw \\"x\\" \\n');
    // other backslash sequences stay as written: regular expressions keep their \.
    assert.equal(str('"^sip:[0-9]+@foo\\.bar\\?\\d\\x41"'), '^sip:[0-9]+@foo\\.bar\\?\\d\\x41');
    assert.equal(str('"a#b /* not a comment */"'), 'a#b /* not a comment */');
    assert.equal(str('\'single "double" inside\''), 'single "double" inside');
    assert.equal(str('""'), '');
  });

  test('a backslash at the end of a line continues the string', () => {
    const { script, warnings } = parse('route {\n  f("abc\\\n def");\n  g("x");\n}\n');
    const [f, g] = (script.items[0] as RouteBlock).body as Call[];
    assert.deepEqual(f!.args[0], { kind: 'string', value: 'abc def', loc: { file: 't.cfg', line: 2, col: 5, len: 5 } });
    assert.equal(span(g!.loc), '4:3+1');
    assert.deepEqual(warnings, []);
  });

  test('a raw line break inside a string is kept, with a warning', () => {
    const { script, warnings } = parse('route {\n  f("abc\ndef");\n}\n');
    const f = (script.items[0] as RouteBlock).body[0] as Call;
    assert.equal(showValue(f.args[0]!), '"abc\\ndef"');
    assert.deepEqual(showWarnings(warnings), ['2:5: string contains a line break']);
  });

  test('comments', () => {
    const text = '# comment\ndebug=3 # trailing\n/* block\n comment */ fork=no /* x */\nroute { /* { */ f(); # }\n}\n';
    const { script } = parse(text);
    assert.deepEqual(
      script.items.map((i) => `${i.type}@${pos(i.loc)}`),
      ['assign@2:1', 'assign@4:13', 'route@5:1'],
    );
    assert.equal(showStmts((script.items[2] as RouteBlock).body), 'f()');
  });

  test('block comments do not nest', () => {
    const e = parseError('/* a /* b */ c */\n');
    assert.equal(span(e.loc), '1:16+2');
    assert.equal(e.message, "'*/' outside of a comment");
  });

  test('CRLF line endings', () => {
    const { script } = parse('debug=3\r\nroute {\r\n\tf();\r\n}\r\n');
    assert.equal(span(((script.items[1] as RouteBlock).body[0] as Call).loc), '3:2+1');
  });
});

// ------------------------------------------------------------------ errors

describe('syntax errors: message and exact position', () => {
  const cases: [string, string, string | RegExp][] = [
    // unexpected tokens, saying what was expected
    ['route { f() g(); }', '1:13', "unexpected 'g', expected ';' after 'f(...)'"],
    ['route { f(a b); }', '1:13', "unexpected 'b', expected ',' or ')' after an argument of 'f'"],
    ['route { f(,); }', '1:11', "missing argument in the call of 'f'"],
    ['route { f(a,); }', '1:13', "missing argument in the call of 'f'"],
    ['route { f(; }', '1:11', /^unexpected ';', expected an argument of 'f'/],
    ['route { 42; }', '1:9', /^unexpected '42', expected a statement/],
    ['route { "x"; }', '1:9', /^unexpected string "x", expected a statement/],
    ['route { if (x) }', '1:16', "unexpected '}', expected a statement after 'if (...)'"],
    ['route { if () f(); }', '1:13', /^unexpected '\)', expected a condition/],
    ['route { if { f(); } }', '1:12', "unexpected '{', expected a condition after 'if'"],
    ['route { if (method) f(); }', '1:19', "unexpected ')', expected a comparison operator (==, !=, =~ or !~) after 'method'"],
    ['route { if (uri=~) f(); }', '1:18', "unexpected ')', expected a value after 'uri=~'"],
    ['route { if (method="INVITE") f(); }', '1:19', "'=' in a condition"],
    ['route { if (src_port>5060) f(); }', '1:21', /^unexpected '>', expected a comparison operator/],
    ['route { if ("x") f(); }', '1:13', 'a string cannot be a condition by itself'],
    ['route { if (methd=="INVITE") f(); }', '1:13', "unknown operand 'methd'"],
    ['route { if (URI==myself) f(); }', '1:13', "unknown operand 'URI'"],
    ['route { if (a() b()) f(); }', '1:17', "unexpected 'b', expected ')' to close the '(' at 1:12"],
    ['route { if ((a()) f(); }', '1:19', "unexpected 'f', expected ')' to close the '(' at 1:12"],
    ['route { debug=3; }', '1:9', "option 'debug=' inside a route block"],
    ['route { log(’x’); }', '1:13', /^unexpected character '’' \(U\+2019\), expected an argument of 'log'/],
    ['route { f() \\ }', '1:13', /^unexpected '\\', expected ';'/],
    ['debug 3', '1:7', "unexpected '3', expected '=' after option name 'debug'"],
    ['debug=', '1:7', "unexpected end of file, expected a value for option 'debug'"],
    ['debug=;', '1:7', "unexpected ';', expected a value for option 'debug'"],
    ['"x"', '1:1', /^unexpected string "x", expected an option \(name=value\), loadmodule, modparam or a route block$/],
    ['{ }', '1:1', /^unexpected '\{', expected an option/],
    ['sl_send_reply("404", "x");', '1:1', "'sl_send_reply' outside of a route block"],
    ['if (uri==myself) { t_relay(); }', '1:1', "'if' outside of a route block"],
    ['modparm("a", "b", 1)', '1:1', "unknown directive 'modparm'"],
    ['loadmodul "x.so"', '1:1', "unknown directive 'loadmodul'"],
    ['rout { }', '1:1', "unknown block 'rout'"],
    ['myroute { }', '1:1', "unknown block 'myroute'"],
    ['xyzzy { }', '1:1', "unknown block 'xyzzy'"],
    ['loadmodule("tm.so");', '1:11', "unexpected '(' after loadmodule"],
    ['loadmodule', '1:11', 'unexpected end of file, expected the path of the module after loadmodule'],
    ['modparam("a", "b")', '1:18', 'modparam takes 3 arguments (module, parameter, value), found 2'],
    ['modparam("a", "b", 1, 2)', '1:23', 'modparam takes 3 arguments (module, parameter, value), found 4'],
    ['modparam "a"', '1:10', /^unexpected string "a", expected '\(' after modparam/],
    ['route(1) { }', '1:6', "unexpected '(', expected '{' to open the route block"],
    ['route[1] f(); ', '1:10', "unexpected 'f', expected '{' to open the route block"],
    // bad route index
    ['route[x] { }', '1:7', "bad route index 'x': a route number must be a whole number from 0 to 9"],
    ['route[-1] { }', '1:7', "bad route index '-1': a route number must be a whole number from 0 to 9"],
    ['route[1.5] { }', '1:7', "bad route index '1.5': a route number must be a whole number from 0 to 9"],
    ['failure_route["1"] { }', '1:15', 'bad route index string "1": a route number must be a whole number from 0 to 9'],
    ['route[10] { }', '1:7', 'bad route index 10: route numbers go from 0 to 9'],
    ['route[] { }', '1:7', "missing route number in 'route[]'"],
    ['route[1 { }', '1:9', "unexpected '{', expected ']' after the route number"],
    ['failure_route { }', '1:1', 'failure_route needs a number'],
    ['failure_route 1 { }', '1:15', "unexpected '1', expected '[' after failure_route"],
    // stray else
    ['route { else f(); }', '1:9', "'else' without a matching 'if'"],
    ['route { if (a()) f(); g(); else h(); }', '1:28', "'else' without a matching 'if'"],
    ['route { f() else g(); }', '1:13', "'else' without a matching 'if'"],
    ['route { if (a()) { f(); }; ; else { g(); } }', '1:30', "'else' without a matching 'if'"],
    ['route { if (a()) else g(); }', '1:18', "unexpected 'else', expected a statement after 'if (...)'"],
    // unbalanced braces: at the unclosed '{'
    ['route {\n  f();\n', '1:7', "unclosed '{'"],
    ['route {\n  if (a()) {\n    f();\n}\n', '1:7', "unclosed '{'"],
    ['route[1] {\n  if (a()) {\n    f();\n}\nroute[2] {\n}\n', '1:10', "unclosed '{'"],
    ['route {\n  if (a()) {\n    f();\n  route[2] { }\n}\n', '2:12', "unclosed '{'"],
    ['route { f(); }\n}\n', '2:1', "unmatched '}'"],
    ['}', '1:1', "unmatched '}'"],
    // unterminated strings and comments: at the opening
    ['route { f("abc); }', '1:11', 'unterminated string'],
    ["route { f('abc); }", '1:11', 'unterminated string'],
    ['alias="foo', '1:7', 'unterminated string'],
    ['route { f("a\\"); }', '1:11', 'unterminated string'],
    ['debug=1\n/* comment\nroute { }\n', '2:1', 'unterminated comment'],
    ['route { f(); */ }', '1:14', "'*/' outside of a comment"],
    // a string left open runs to the next quote: the error is reported at its opening
    ['route {\n  if (uri=="sip:x) {\n    f("y");\n  }\n}\n', '2:12', 'unterminated string'],
    ['route {\n  sl_send_reply("404", "Not Found);\n  break;\n  sl_send_reply("500", "x");\n}\n', '2:24', 'unterminated string'],
  ];
  for (const [text, where, message] of cases) {
    test(JSON.stringify(text), () => {
      const e = parseError(text);
      assert.equal(pos(e.loc), where, e.format(text));
      if (typeof message === 'string') assert.equal(e.message, message);
      else assert.match(e.message, message);
    });
  }

  test('hints', () => {
    const hint = (text: string) => parseError(text).hint ?? '';
    assert.match(hint('route { if (methd=="INVITE") f(); }'), /did you mean 'method'\?/);
    assert.match(hint('route { if (URI==myself) f(); }'), /did you mean 'uri'\? \(operands are lower case\)/);
    assert.match(hint('modparm("a", "b", 1)'), /did you mean 'modparam'\?/);
    assert.match(hint('failur_route[1] { }'), /did you mean 'failure_route'\?/);
    assert.match(hint('route { if (method="INVITE") f(); }'), /use '=='/);
    assert.match(hint('route { log(’x’); }'), /plain ASCII quote/);
    assert.match(hint('route { if (!lookup("location") { f(); } }'), /a '\)' seems to be missing before the '\{'/);
    assert.match(hint('route {\n  f();\n'), /end/);
    assert.match(hint('route[1] {\n  f();\nroute[2] {\n}\n'), /a new route block starts at 3:1/);
    // indentation tells which '{' lost its '}'
    assert.match(
      hint('route {\n  if (a()) {\n    f();\n  if (b()) {\n    g();\n  }\n}\n'),
      /the '\}' may be missing for the '\{' at 2:12 \(the '\}' at 7:1 that closes it is indented differently\)/,
    );
    assert.match(hint('route {\n  f("x", "y);\n  g("z");\n}\n'), /runs on to line 3/);
  });

  test('errors format like a compiler', () => {
    const text = 'route {\n\tif (method=="INVITE" {\n\t\tt_relay();\n\t}\n}\n';
    const e = parseError(text, 'ser.cfg');
    assert.equal(
      e.format(text),
      [
        "ser.cfg:2:23: error: unexpected '{', expected ')' to close the '(' at 2:5",
        '    2 | \tif (method=="INVITE" {',
        '      | \t                     ^',
        "hint: a ')' seems to be missing before the '{'",
      ].join('\n'),
    );
  });
});

// ------------------------------------------------------------------ robustness

describe('robustness', () => {
  /** deterministic pseudo-random numbers */
  function rng(seed: number): () => number {
    let s = seed >>> 0;
    return () => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return s / 0x100000000;
    };
  }

  const mustParseOrThrowConfigError = (text: string): void => {
    try {
      parseScript(text, 'fuzz.cfg');
    } catch (e) {
      if (!(e instanceof ConfigError)) throw new Error(`not a ConfigError for ${JSON.stringify(text)}: ${String(e)}`);
      assert.ok(e.loc && e.loc.line >= 1 && e.loc.col >= 1 && e.loc.len >= 1, `bad location for ${JSON.stringify(text)}`);
      e.format(text);
    }
  };

  test('every prefix of real scripts parses or throws a ConfigError, fast', () => {
    const start = Date.now();
    for (const f of ['bench/proxy.cfg', 'guide/ex2-17.cfg', 'guide/ex3-08.cfg', 'guide/ex5-03.cfg', 'guide/ex4-05.cfg']) {
      const text = fixture(f);
      for (let i = 0; i <= text.length; i++) mustParseOrThrowConfigError(text.slice(0, i));
    }
    assert.ok(Date.now() - start < 20000, 'too slow');
  });

  test('random edits of real scripts parse or throw a ConfigError', () => {
    const texts = ['bench/proxy.cfg', 'bench/registrar.cfg', 'guide/ex2-17.cfg', 'guide/ex3-08.cfg', 'guide/ex2-21.cfg'].map(fixture);
    const alphabet = '(){}[];,=!~&|"\'#/*\\\n abc1.:-<>’';
    const rand = rng(42);
    for (let k = 0; k < 3000; k++) {
      let t = texts[Math.floor(rand() * texts.length)]!;
      const edits = 1 + Math.floor(rand() * 4);
      for (let j = 0; j < edits; j++) {
        const i = Math.floor(rand() * t.length);
        const op = rand();
        if (op < 0.4) t = t.slice(0, i) + t.slice(i + 1);
        else if (op < 0.8) t = t.slice(0, i) + alphabet[Math.floor(rand() * alphabet.length)] + t.slice(i);
        else t = t.slice(0, i) + t.slice(i + 1 + Math.floor(rand() * 10));
      }
      mustParseOrThrowConfigError(t);
    }
  });

  test('odd inputs', () => {
    for (const t of ['', '\n\n', '\uFEFFdebug=1', '#', '/**/', '"', "'", '\\', '[', ']', ';;;', 'route', 'route[', 'route[1', 'route[1]', 'route{', 'a=b=c', '\0', '😀']) {
      mustParseOrThrowConfigError(t);
    }
    assert.deepEqual(parse('').script, { file: 't.cfg', items: [] });
    assert.deepEqual(parse('\uFEFFdebug=1').script.items.map((i) => span(i.loc)), ['1:2+5']);
  });

  test('deep nesting does not blow up', () => {
    const depth = 200;
    const text = 'route {\n' + 'if (a()) {\n'.repeat(depth) + 'f();\n' + '}\n'.repeat(depth) + '}\n';
    const { script } = parse(text);
    let b = (script.items[0] as RouteBlock).body;
    let n = 0;
    while (b[0]?.type === 'if') {
      b = (b[0] as If).then;
      n++;
    }
    assert.equal(n, depth);
    const expr = 'route { if (' + '('.repeat(depth) + 'a()' + ')'.repeat(depth) + ') f(); }';
    assert.equal(showStmts((parse(expr).script.items[0] as RouteBlock).body), 'if a() {f()}');
  });

  test('absurd nesting is a ConfigError, not a stack overflow', () => {
    for (const text of [
      'route { if (' + '('.repeat(100000) + 'a()) f(); }',
      'route { if (' + '!'.repeat(100000) + 'a()) f(); }',
      'route {' + '{'.repeat(100000) + '}'.repeat(100000) + '}',
      'route { if (a()) f(); ' + 'else if (a()) f(); '.repeat(10000) + '}',
    ]) {
      const e = parseError(text);
      assert.match(e.message, /^nesting too deep/);
    }
  });
});
