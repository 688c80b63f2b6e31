import assert from 'node:assert/strict';
import { test } from 'node:test';
import { writeLatin1, writeUtf8 } from './buffer-write.js';

test('writeLatin1 and writeUtf8 write as Buffer#write does, and say how many bytes', () => {
  const a = Buffer.alloc(8, 0x2e);
  assert.equal(writeLatin1(a, 'ab\xe9', 2), 3);
  assert.equal(a.toString('latin1'), '..ab\xe9...');
  const b = Buffer.alloc(8, 0x2e);
  assert.equal(writeUtf8(b, 'é!', 1), 3);
  assert.equal(b.toString('utf8'), '.é!....');
  // only what fits
  assert.equal(writeUtf8(Buffer.alloc(2), 'abc', 0), 2);
  assert.equal(writeLatin1(Buffer.alloc(2), 'abc', 1), 1);
});
