import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { compilePosixRegex, PosixRegexError, RE_DUP_MAX, translatePosixRegex } from './posix-regex.js';

/**
 * [pattern, inputs that match, inputs that do not] with REG_EXTENDED|REG_ICASE, as glibc 2.36's
 * regcomp/regexec answer them (checked with a small C program). The first rows are the regular
 * expressions of the SER admin guide's examples.
 */
const GLIBC: [string, string[], string[]][] = [
  ["^sip:[0-9]+@foo.bar", ["sip:123@foo.bar", "SIP:1@FOO.BAR", "sip:1@fooXbar"], ["sip:abc@foo.bar"]],
  ["^sip:(.+@)?(192\\.168\\.0\\.10|(sip\\.)?foo\\.bar)([:;\\?].*)?$", ["sip:foo.bar", "sip:a@sip.foo.bar:5060", "sip:a@192.168.0.10;transport=udp", "sip:FoO.bAr", "sip:foo.bar?x"], ["sip:192.168.0.101", "sip:a@foo.bar.other.com"]],
  ["sip:.*[@:]iptel.org", ["sip:a@iptel.org"], ["sip:iptel.org", "sip:a@xiptel.org", "sip:bla"]],
  ["^(Contact|m): .*@(192\\.168\\.|10\\.|172\\.16)", ["Contact: <sip:a@192.168.1.1>", "m: sip:x@10.0.0.1", "contact: a@172.16.0.1"], ["Contact: a@11.0.0.1", "xContact: a@10.1.1.1"]],
  ["[@:\\.]domain.foo", ["sip:a@domain.foo", "sip:sub.domainXfoo", "sip:domain.foo"], ["sip:xdomain.foo"]],
  ["^sip:0[0-9]*@iptel.org", ["sip:0123@iptel.org"], ["sip:123@iptel.org"]],
  ["^sip:[0-79][0-9]*@", ["sip:0@", "sip:9@x", "sip:7@"], ["sip:8123@"]],
  ["^sip:1", ["sip:123"], ["sip:23"]],
  ["dan@foo.bar", ["sip:dan@foo.bar", "sip:dan@fooxbar"], ["sip:dan@foo"]],
  ["@bat\\.iptel\\.org", ["sip:x@bat.iptel.org"], ["sip:x@batxiptel.org"]],
  ["^sip:2", ["sip:234"], ["sip:34"]],
  ["a@", ["sip:a@x"], ["sip:b@x"]],
  ["sip:\\+?[0-9]+@.*", ["sip:+123@x", "sip:123@x"], ["sip:a@x"]],
  ["sip:[79][0-9][0-9][0-9]@.*", ["sip:7123@x"], ["sip:8123@x"]],
  ["sip:98[0-9][0-9][0-9][0-9]", ["sip:981234"], ["sip:98123"]],
  ["sip:0[1-9][0-9]+@.*", ["sip:012@x"], ["sip:001@x"]],
  ["sip:00[1-9][0-9]+@.*", ["sip:0012@x"], ["sip:0001@x"]],
  ["sip:000[1-9][0-9]+@.*", ["sip:00012@x"], []],
  ["(f|From): .*@mydomain.com", ["From: a@mydomain.com", "f: <sip:b@mydomain.com>"], ["To: a@mydomain.com"]],
  ["^(f|From):.*foo.bar", ["From: a@foo.bar"], ["To: a@foo.bar"]],
  ["^sip:jiri@", ["sip:jiri@iptel.org"], ["sip:jir@x"]],
  ["conference", ["sip:conference@x"], ["sip:conf@x"]],
  ["^sip:9[0-9]*@mydomain.com", ["sip:9123@mydomain.com"], []],
  ["[[:digit:]]+", ["a1"], ["abc"]],
  ["^[[:alpha:][:space:]]+$", ["ab c"], ["ab1"]],
  ["[]a]", ["]", "a"], ["b"]],
  ["[^]a]", ["b"], ["]"]],
  ["[a\\]", ["\\", "a"], ["]"]],
  ["a.b", ["a\nb"], ["ab"]],
  ["a[^x]b", ["a\nb"], []],
  ["a{2}", ["aa"], ["a"]],
  ["^a{2,}$", ["aaa"], ["a"]],
  ["^a{1,2}$", ["aa"], ["aaa"]],
  ["^a{,2}$", ["", "aa"], ["aaa"]],
  ["a{,}", ["b"], []],
  ["\\w+", ["_"], ["-"]],
  ["\\W", ["-"], ["a"]],
  ["\\s", [" "], ["a"]],
  ["\\S", ["a"], [" "]],
  ["\\bfoo\\b", ["a foo b"], ["afoo"]],
  ["\\Boo", ["foo"], ["oo"]],
  ["\\<foo\\>", ["a foo b"], ["afoo", "foob"]],
  ["a\\'", ["a"], ["ab"]],
  ["\\`a", ["a"], ["ba"]],
  ["\\.", ["."], ["a"]],
  ["\\%", ["%"], []],
  ["a^b", [], ["a^b", "ab"]],
  ["a$b", [], ["a$b"]],
  ["(^a)", ["a"], ["ba"]],
  ["x{0}", [""], []],
  ["a**", ["b"], []],
  ["^a+*$", ["aaa", ""], []],
  ["^(ab){1}{2}$", ["abab"], ["ab"]],
  ["^a*?$", ["aaa"], []],
  ["(a)\\1", ["aA"], ["ab"]],
  ["^(a|b)*c$", ["ababc"], ["abd"]],
  ["a||b", ["x"], []],
  ["(|a)", ["x"], []],
  ["()", ["x"], []],
  ["()*", ["x"], []],
  ["[[:upper:]]", ["a", "A"], []],
  ["[a-]", ["-"], []],
  ["[%--]", [","], ["."]],
  ["[--/]", ["."], [","]],
  ["[a-z-]", ["-"], []],
  ["[[=a=]b]", ["a"], ["c"]],
  ["[[.-.]]", ["-"], ["a"]],
  ["[a-[.z.]]", ["q"], []],
  ["[[:xdigit:]]", ["f"], ["g"]],
  ["[[:punct:]]", ["!", "`", "~", "{"], ["a"]],
  ["[[:cntrl:]]", ["\u0001"], ["a"]],
  ["[[:blank:]]", ["\t"], ["a"]],
  ["[[:print:]]", [" "], ["\u0001"]],
  ["[[:graph:]]", ["a"], [" "]],
  ["[[:lower:]]", ["A"], []],
  ["[[:alnum:]]+", [], ["_"]],
  ["[:alpha:]", ["a", "l"], ["x"]],
  ["\\{", ["{"], []],
  ["a}", ["a}"], []],
  ["}", ["}"], []],
  ["a]", ["a]"], []],
  ["", ["", "x"], []],
  ["[^a]", ["b"], ["A"]],
  ["x+y", ["xxy"], []],
  ["a(b|c)d", ["acd", "abd"], ["ad"]],
  ["^$", [""], ["a"]],
  ["^[^@]+@[^@]+$", ["a@b"], ["a@@b"]],
  ["a\\|b", ["a|b"], ["a"]],
  ["a\\(b", ["a(b"], []],
  ["[\\.]", [".", "\\"], ["a"]],
  ["a{0,0}b", ["b"], []],
];

/**
 * Patterns glibc rejects but this translation accepts, as the specification asks: a repetition
 * operator with nothing to repeat and a '{' that does not start an interval are literals.
 */
const LENIENT: [string, string[], string[]][] = [
  ['a{x}', ['a{x}'], ['ax', 'a']],
  ['a{', ['a{'], ['a']],
  ['a{1', ['xa{1'], ['a']],
  ['a{}', ['a{}'], ['a']],
  ['a{1a}', ['a{1a}'], ['a']],
  ['{1}a', ['{1}a'], ['a']],
  ['{', ['{'], ['a']],
  ['*a', ['*a', 'x*A'], ['a']],
  ['(*a)', ['*a'], ['a']],
  ['a|*b', ['*b', 'a'], ['b']],
  ['+a', ['+a'], ['a']],
  ['?a', ['?a'], ['a']],
  ['^*a', ['*a'], ['a', 'x*a']],
  ['(+)', ['+'], ['a']],
  ['^**b', ['b', '**b'], ['a', 'x*b']],
];

describe('compilePosixRegex', () => {
  for (const [pattern, yes, no] of [...GLIBC, ...LENIENT]) {
    test(JSON.stringify(pattern), () => {
      const re = compilePosixRegex(pattern);
      for (const s of yes) assert.ok(re.test(s), `${JSON.stringify(pattern)} should match ${JSON.stringify(s)} (${re.source})`);
      for (const s of no) assert.ok(!re.test(s), `${JSON.stringify(pattern)} should not match ${JSON.stringify(s)} (${re.source})`);
    });
  }

  test('returns a RegExp without the g or y flag (test() has no state)', () => {
    const re = compilePosixRegex('a');
    assert.ok(re instanceof RegExp);
    assert.ok(!re.global && !re.sticky);
    assert.ok(re.test('a') && re.test('a'));
    assert.ok(re.dotAll);
    assert.ok(re.ignoreCase);
  });

  test('icase: false', () => {
    const re = compilePosixRegex('^sip:[a-z]+@Foo\\.bar$', { icase: false });
    assert.ok(re.test('sip:abc@Foo.bar'));
    assert.ok(!re.test('sip:abc@foo.bar'));
    assert.ok(!re.test('SIP:abc@Foo.bar'));
    assert.ok(!compilePosixRegex('[[:upper:]]', { icase: false }).test('a'));
    assert.ok(compilePosixRegex('[[:upper:]]', { icase: true }).test('a'));
    assert.ok(compilePosixRegex('x', {}).test('X'));
  });

  test('an escaped letter is that letter (\\n is n)', () => {
    // (glibc fails to match escaped letters under REG_ICASE, a glibc bug not reproduced here)
    assert.ok(compilePosixRegex('\\n', { icase: false }).test('n'));
    assert.ok(!compilePosixRegex('\\n', { icase: false }).test('\n'));
    assert.ok(compilePosixRegex('a\\tb').test('atb'));
    assert.ok(compilePosixRegex('\\d').test('d'));
    assert.ok(!compilePosixRegex('\\d').test('1'));
  });

  test('newlines: . and [^x] match them, ^ and $ only at the ends of the whole text', () => {
    assert.ok(compilePosixRegex('^a.*b$').test('a\nx\nb'));
    assert.ok(!compilePosixRegex('^b').test('a\nb'));
    assert.ok(!compilePosixRegex('a$').test('a\nb'));
    assert.ok(!compilePosixRegex('a$').test('a\n'));
    assert.ok(compilePosixRegex('[^x]').test('\n'));
    // a SIP message searched by search(): headers on separate lines
    const msg = 'INVITE sip:a@b SIP/2.0\r\nFrom: <sip:x@foo.bar>;tag=1\r\nContact: <sip:x@10.0.0.1>\r\n\r\n';
    assert.ok(compilePosixRegex('(f|From):.*foo.bar').test(msg));
    assert.ok(!compilePosixRegex('^(f|From):.*foo.bar').test(msg));
    assert.ok(compilePosixRegex('(Contact|m): .*@(192\\.168\\.|10\\.|172\\.16)').test(msg));
  });

  test('repetitions of repetitions are greedy, not lazy', () => {
    assert.equal(translatePosixRegex('a*?'), '(?:a*)?');
    assert.equal(translatePosixRegex('a+*'), '(?:a+)*');
    assert.equal(translatePosixRegex('a{2}{3}'), '(?:a{2}){3}');
    assert.ok(compilePosixRegex('^(ab){2}{2}$').test('abababab'));
    assert.ok(!compilePosixRegex('^(ab){2}{2}$').test('ababab'));
  });

  test('translations', () => {
    assert.equal(translatePosixRegex('^sip:[0-9]+@foo\\.bar'), '^sip:[0-9]+@foo\\.bar');
    assert.equal(translatePosixRegex('[[:digit:][:space:]]'), '[0-9 \\t\\n\\v\\f\\r]');
    assert.equal(translatePosixRegex('[]a-]'), '[\\]a\\-]');
    assert.equal(translatePosixRegex('[\\]'), '[\\\\]');
    assert.equal(translatePosixRegex('[^^]'), '[^\\^]');
    assert.equal(translatePosixRegex('a{1,}b{,2}c{3}'), 'a{1,}b{0,2}c{3}');
    assert.equal(translatePosixRegex('*x{'), '\\*x\\{');
    assert.equal(translatePosixRegex('\\<a\\>'), '\\b(?=\\w)a\\b(?<=\\w)');
    assert.equal(translatePosixRegex('\\`a\\\''), '^a$');
    assert.equal(translatePosixRegex('a/b}'), 'a\\/b\\}');
    assert.equal(translatePosixRegex('(a)\\1'), '(a)(?:\\1)');
    assert.equal(translatePosixRegex(''), '');
  });

  test('back-references (a GNU extension) count groups like POSIX', () => {
    assert.ok(compilePosixRegex('^(a)(b)\\2\\1$').test('abba'));
    assert.ok(!compilePosixRegex('^(a)(b)\\2\\1$').test('abab'));
    assert.ok(compilePosixRegex('((a)b)\\2').test('aba'));
    // group 1 then literal 0, not group 10
    assert.ok(compilePosixRegex('(a)\\10').test('aa0'));
  });

  test('intervals up to RE_DUP_MAX', () => {
    assert.equal(RE_DUP_MAX, 32767);
    assert.ok(compilePosixRegex(`^a{1,${RE_DUP_MAX}}$`).test('aaa'));
    assert.ok(compilePosixRegex('^a{0}$').test(''));
  });
});

describe('invalid patterns', () => {
  /** [pattern, column, message] */
  const cases: [string, number, RegExp][] = [
    ['(a', 1, /unmatched '\('/],
    ['a(b|c', 2, /unmatched '\('/],
    ['((a)', 1, /unmatched '\('/],
    ['a)', 2, /unmatched '\)'/],
    ['(a))', 4, /unmatched '\)'/],
    ['[a', 1, /unmatched '\['/],
    ['x[]', 2, /unmatched '\['/],
    ['[^]', 1, /unmatched '\['/],
    ['[[:alpha:]', 1, /unmatched '\['/],
    ['[[:alpha', 1, /unmatched '\['/],
    ['[[.', 1, /unmatched '\['/],
    ['[[:foo:]]', 2, /unknown character class \[:foo:\]/],
    ['[z-a]', 2, /invalid range z-a/],
    ['[a-c-e]', 5, /invalid range/],
    ['[[:alpha:]-z]', 2, /character class cannot be the start of a range/],
    ['[a-[:alpha:]]', 4, /character class cannot be the end of a range/],
    ['[[.ab.]]', 2, /collating element \[\.ab\.\]/],
    ['[[=ab=]]', 2, /collating element \[=ab=\]/],
    ['a{2,1}', 2, /bad interval \{2,1\}/],
    ['a{32768}', 2, /bad interval \{32768\}/],
    ['a{1,99999}', 2, /bad interval/],
    ['\\', 1, /trailing backslash/],
    ['ab\\', 3, /trailing backslash/],
    ['a\\1', 2, /invalid back reference \\1/],
    ['(a\\1)', 3, /invalid back reference \\1/],
    ['('.repeat(100000), 257, /nested too deep/],
  ];
  for (const [pattern, column, message] of cases) {
    test(JSON.stringify(pattern.length > 30 ? pattern.slice(0, 30) + '...' : pattern), () => {
      assert.throws(
        () => compilePosixRegex(pattern),
        (e: unknown) => {
          assert.ok(e instanceof Error);
          assert.ok(e instanceof PosixRegexError);
          assert.equal(e.column, column);
          assert.equal(e.pattern, pattern);
          assert.match(e.message, message);
          assert.match(e.message, new RegExp(`column ${column}\\b`));
          return true;
        },
      );
    });
  }
});
