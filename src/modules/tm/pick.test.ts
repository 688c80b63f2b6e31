import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pickBest } from './pick.js';

const r = (status: number, local = false) => ({ status, local });

test('RFC 3261 §16.7: a 6xx wins over any other class', () => {
  assert.equal(pickBest([r(486), r(603), r(302)]), 1);
});

test('otherwise the lowest class wins', () => {
  assert.equal(pickBest([r(486), r(302), r(500)]), 1);
  assert.equal(pickBest([r(500), r(404)]), 1);
});

test('a response that arrived beats a local timeout of the same class', () => {
  assert.equal(pickBest([r(408, true), r(486)]), 1);
  assert.equal(pickBest([r(408, true), r(408, true)]), 0);
});

test('no branches, no choice', () => {
  assert.equal(pickBest([]), undefined);
});
