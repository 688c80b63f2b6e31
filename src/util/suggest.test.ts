import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { editDistance, maxTypoDistance, suggest } from './suggest.js';

const FUNCTIONS = [
  'sl_send_reply',
  'sl_reply_error',
  't_relay',
  't_relay_to_udp',
  't_relay_to_tcp',
  't_reply',
  't_newtran',
  't_on_failure',
  'lookup',
  'save',
  'record_route',
  'loose_route',
  'mf_process_maxfwd_header',
  'append_branch',
  'forward',
  'rewriteuri',
  'rewritehost',
  'log',
  'len_gt',
  'search',
];

describe('editDistance (Damerau-Levenshtein)', () => {
  test('insertions, deletions, substitutions, adjacent transpositions', () => {
    assert.equal(editDistance('', ''), 0);
    assert.equal(editDistance('abc', ''), 3);
    assert.equal(editDistance('', 'abc'), 3);
    assert.equal(editDistance('abc', 'abc'), 0);
    assert.equal(editDistance('kitten', 'sitting'), 3);
    assert.equal(editDistance('lookup', 'lookpu'), 1);
    assert.equal(editDistance('ab', 'ba'), 1);
    assert.equal(editDistance('abcd', 'acbd'), 1);
    assert.equal(editDistance('sl_send_reply', 'sl_send_replay'), 1);
    assert.equal(editDistance('t_relay', 'trelay'), 1);
    assert.equal(editDistance('ca', 'abc'), 3); // optimal string alignment
    assert.equal(editDistance('flaw', 'lawn'), 2);
  });

  test('is symmetric', () => {
    const words = ['route', 'rotue', 'failure_route', 'reply_route', 'x', ''];
    for (const a of words) for (const b of words) assert.equal(editDistance(a, b), editDistance(b, a));
  });
});

describe('suggest', () => {
  test('plausible typos', () => {
    assert.equal(suggest('sl_send_replay', FUNCTIONS), 'sl_send_reply');
    assert.equal(suggest('sl_sned_reply', FUNCTIONS), 'sl_send_reply');
    assert.equal(suggest('lookpu', FUNCTIONS), 'lookup');
    assert.equal(suggest('t_rely', FUNCTIONS), 't_relay');
    assert.equal(suggest('t_realy', FUNCTIONS), 't_relay');
    assert.equal(suggest('recordroute', FUNCTIONS), 'record_route');
    assert.equal(suggest('mf_process_maxfwd_headers', FUNCTIONS), 'mf_process_maxfwd_header');
    assert.equal(suggest('methd', ['method', 'uri', 'src_ip']), 'method');
    assert.equal(suggest('rout', ['route', 'failure_route']), 'route');
  });

  test('is case-insensitive', () => {
    assert.equal(suggest('T_RELAY', FUNCTIONS), 't_relay');
    assert.equal(suggest('METHOD', ['method', 'uri']), 'method');
    assert.equal(suggest('Sl_Send_Reply', FUNCTIONS), 'sl_send_reply');
  });

  test("candidates that differ only by '_' or '-'", () => {
    assert.equal(suggest('slsendreply', FUNCTIONS), 'sl_send_reply');
    assert.equal(suggest('sl-send-reply', FUNCTIONS), 'sl_send_reply');
    assert.equal(suggest('mfprocessmaxfwdheader', FUNCTIONS), 'mf_process_maxfwd_header');
    assert.equal(suggest('a_b_c_d', ['abcd', 'xyz']), 'abcd');
  });

  test('candidates that start with the name', () => {
    assert.equal(suggest('mf_process', FUNCTIONS), 'mf_process_maxfwd_header');
    assert.equal(suggest('append', FUNCTIONS), 'append_branch');
    assert.equal(suggest('t_relay_to', ['t_relay_to_udp', 't_relay_to_tcp']), 't_relay_to_tcp'); // a tie: alphabetical
    // a typo beats a completion
    assert.equal(suggest('t_rel', ['t_relay_to_udp', 't_rely']), 't_rely');
    // too short to complete
    assert.equal(suggest('lo', ['lookup_something']), undefined);
  });

  test('nothing when nothing is close', () => {
    assert.equal(suggest('foobar', FUNCTIONS), undefined);
    assert.equal(suggest('xyz', ['abc']), undefined);
    assert.equal(suggest('route', []), undefined);
    assert.equal(suggest('', FUNCTIONS), undefined);
    assert.equal(suggest('sl_send_rpl_err', ['t_relay']), undefined);
  });

  test('the distance allowed grows with the length of the name', () => {
    assert.equal(maxTypoDistance('ab'), 1);
    assert.equal(maxTypoDistance('abcdef'), 2);
    assert.equal(maxTypoDistance('abcdefghi'), 3);
    assert.equal(suggest('ab', ['xb']), 'xb');
    assert.equal(suggest('ab', ['xy']), undefined);
    assert.equal(suggest('abcdef', ['abXdeY']), 'abXdeY');
    assert.equal(suggest('abcdef', ['aXcYeZ']), undefined);
  });

  test('an exact match is returned', () => {
    assert.equal(suggest('t_relay', FUNCTIONS), 't_relay');
  });

  test('deterministic on ties, whatever the order of the candidates', () => {
    const cands = ['bat', 'cat', 'hat', 'mat'];
    assert.equal(suggest('xat', cands), 'bat');
    assert.equal(suggest('xat', [...cands].reverse()), 'bat');
    assert.equal(suggest('xat', new Set(['mat', 'hat', 'cat', 'bat'])), 'bat');
    // a smaller distance wins over the alphabetical order
    assert.equal(suggest('lookup', ['zookup', 'alookupx']), 'zookup');
    // then the smaller difference in length
    assert.equal(suggest('lookup', ['lokup', 'zookup']), 'zookup');
    assert.equal(suggest('lookup', ['lookups', 'Lookup']), 'Lookup');
  });

  test('accepts any iterable, and duplicates', () => {
    function* gen() {
      yield 'save';
      yield 'save';
      yield 'lookup';
    }
    assert.equal(suggest('sav', gen()), 'save');
    assert.equal(suggest('lookpu', new Map([['lookup', 1]]).keys()), 'lookup');
  });
});
