import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { tokenize, type Token } from './lexer.js';

const show = (toks: Token[]): string[] =>
  toks.map((t) => `${t.kind}:${t.kind === 'string' ? JSON.stringify(t.value) : t.text}@${t.line}:${t.col}-${t.endLine}:${t.endCol}`);

describe('tokenize', () => {
  test('atoms, punctuation, strings and positions', () => {
    const { tokens, warnings } = tokenize('if (uri=~"a\\.b" && !x) f(1, udp:1.2.3.4:5060);\n  route[2]{}', 'f');
    assert.deepEqual(show(tokens), [
      'atom:if@1:1-1:3',
      'punct:(@1:4-1:5',
      'atom:uri@1:5-1:8',
      'punct:=~@1:8-1:10',
      'string:"a\\\\.b"@1:10-1:16',
      'punct:&&@1:17-1:19',
      'punct:!@1:20-1:21',
      'atom:x@1:21-1:22',
      'punct:)@1:22-1:23',
      'atom:f@1:24-1:25',
      'punct:(@1:25-1:26',
      'atom:1@1:26-1:27',
      'punct:,@1:27-1:28',
      'atom:udp:1.2.3.4:5060@1:29-1:45',
      'punct:)@1:45-1:46',
      'punct:;@1:46-1:47',
      'atom:route@2:3-2:8',
      'punct:[@2:8-2:9',
      'atom:2@2:9-2:10',
      'punct:]@2:10-2:11',
      'punct:{@2:11-2:12',
      'punct:}@2:12-2:13',
      'eof:@2:13-2:13',
    ]);
    assert.deepEqual(warnings, []);
  });

  test('all operators', () => {
    const { tokens } = tokenize('== != =~ !~ && || = ! & | ( ) { } [ ] , ;', 'f');
    assert.deepEqual(
      tokens.filter((t) => t.kind === 'punct').map((t) => t.text),
      ['==', '!=', '=~', '!~', '&&', '||', '=', '!', '&', '|', '(', ')', '{', '}', '[', ']', ',', ';'],
    );
  });

  test('comments are skipped; a word stops at /*', () => {
    const { tokens } = tokenize('a # x y\nb/* c\nd */e', 'f');
    assert.deepEqual(show(tokens), ['atom:a@1:1-1:2', 'atom:b@2:1-2:2', 'atom:e@3:5-3:6', 'eof:@3:6-3:6']);
  });

  test('characters of no use are "other" tokens', () => {
    const { tokens } = tokenize('a<b \\ ’ 😀', 'f');
    assert.deepEqual(
      tokens.map((t) => `${t.kind}:${t.text}`),
      ['atom:a', 'other:<', 'atom:b', 'other:\\', 'other:’', 'other:😀', 'eof:'],
    );
  });

  test('strings: escapes, continuation, line breaks', () => {
    // single-quoted strings are taken as written (SER's cfg.lex had no escapes in '...')
    const { tokens, multilineStrings, warnings } = tokenize('"a\\n\\t\\"\\\\\\q" \'b\\n\\"\' "c\\\nd" "e\nf"', 'f');
    assert.deepEqual(
      tokens.filter((t) => t.kind === 'string').map((t) => t.value),
      ['a\n\t"\\\\q', 'b\\n\\"', 'cd', 'e\nf'],
    );
    assert.equal(multilineStrings.length, 1);
    assert.equal(multilineStrings[0]!.value, 'e\nf');
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]!.severity, 'warning');
    const last = tokens[tokens.length - 2]!;
    assert.deepEqual([last.line, last.col, last.endLine, last.endCol], [2, 4, 3, 3]);
  });

  test('lexical errors end the token list with an error token', () => {
    const cases: [string, string, string][] = [
      ['a "abc', 'unterminated string', '1:3+4'],
      ["a\n  'abc\ndef", 'unterminated string', '2:3+4'],
      ['a /* b', 'unterminated comment', '1:3+2'],
      ['a */', "'*/' outside of a comment", '1:3+2'],
    ];
    for (const [src, message, where] of cases) {
      const { tokens } = tokenize(src, 'x.cfg');
      const last = tokens[tokens.length - 1]!;
      assert.equal(last.kind, 'error', src);
      assert.equal(last.error!.message, message, src);
      const l = last.error!.loc!;
      assert.equal(`${l.line}:${l.col}+${l.len}`, where, src);
      assert.equal(l.file, 'x.cfg');
    }
  });
});
