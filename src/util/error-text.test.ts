import assert from 'node:assert/strict';
import { test } from 'node:test';
import { errorText } from './error-text.js';

test('errors of the situation are their message; programming errors are BUG with the stack', () => {
  assert.equal(errorText(new Error('connection lost')), 'connection lost');
  assert.equal(errorText('plain'), 'plain');
  const bug = (() => {
    try {
      (undefined as unknown as { x: number }).x;
    } catch (e) {
      return e;
    }
  })();
  assert.match(errorText(bug), /^BUG: TypeError: Cannot read properties of undefined \(reading 'x'\)\n\s+at /);
  assert.match(errorText(new RangeError('Invalid array length')), /^BUG: RangeError: Invalid array length\n/);
});
