import assert from 'node:assert/strict';
import { test } from 'node:test';
import { call, configError, ctxOf, requestText } from './test-util.js';

// The regular expressions as SER's textops compiled them: POSIX extended, case-insensitive,
// REG_NEWLINE (line by line), fixed up once at start-up.

const msg = () =>
  ctxOf(requestText({ extra: ['Subject: lunch', 'X-Tag: abc'], body: 'v=0\r\no=alice 1 1 IN IP4 192.0.2.7\r\n' }));

test('case-insensitive, as regcomp(REG_ICASE)', () => {
  assert.equal(call('search', '"^subject: LUNCH"')(msg()), 1);
  assert.equal(call('search', '"^SUBJECT:"')(msg()), 1);
});

test('REG_NEWLINE: `.` and [^...] stop at the end of a line', () => {
  assert.equal(call('search', '"Subject:.*abc"')(msg()), -1, '.* does not reach the next line');
  assert.equal(call('search', '"Subject:[^x]*abc"')(msg()), -1, 'a non-matching list excludes LF');
  assert.equal(call('search', '"Subject:[[:space:]]*lunch"')(msg()), 1);
  // \s is [[:space:]] and so does cross lines, as in glibc
  assert.equal(call('search', '"lunch\\\\s+X-Tag"')(msg()), 1);
});

test('REG_NEWLINE: ^ and $ match at every line, $ only before the LF (the CR is text)', () => {
  assert.equal(call('search', '"^X-Tag"')(msg()), 1, '^ after an LF');
  assert.equal(call('search', '"^MESSAGE sip:"')(msg()), 1, '^ at the very start');
  assert.equal(call('search', '"^sip:bob"')(msg()), -1, 'not in mid-line');
  assert.equal(call('search', '"abc$"')(msg()), -1, 'the CR comes before the LF');
  assert.equal(call('search', '"abc\\r$"')(msg()), 1, 'a CR written as \\r in the string');
  assert.equal(call('search', '"^o=alice"')(msg()), 1, 'body lines too');
});

test('POSIX syntax: intervals, classes, alternation, a literal { and a leading repetition', () => {
  assert.equal(call('search', '"^CSeq: [0-9]{1,3} MESSAGE"')(msg()), 1);
  assert.equal(call('search', '"^(f|From):.*@example\\.com"')(msg()), 1);
  assert.equal(call('search', '"{x"')(msg()), -1);
  assert.equal(call('search', '"*x"')(msg()), -1);
  assert.equal(call('search', '"IN IP4 [[:digit:]]+\\.[[:digit:]]+"')(msg()), 1);
});

test('a bad regular expression is a configuration error at the argument', () => {
  const e = configError('search', '"a(b"');
  assert.match(e, /^test\.cfg:2:16: error: bad regular expression: unmatched '\(' at column 2 of "a\(b"/);
  assert.match(e, /hint: textops takes POSIX extended regular expressions/);
  assert.match(configError('replace', '"[z-a]", "x"'), /^test\.cfg:2:17: error: bad regular expression: invalid range z-a/);
  assert.match(configError('replace_all', '"x{3,1}", "y"'), /^test\.cfg:2:21: error: bad regular expression: bad interval/);
  assert.match(configError('search_append', '"[[:nope:]]", "y"'), /unknown character class/);
});

test('a wrong number of arguments is refused', () => {
  assert.match(configError('search', '"a", "b"'), /error: .*search/);
  assert.match(configError('replace', '"a"'), /error: .*replace/);
});
