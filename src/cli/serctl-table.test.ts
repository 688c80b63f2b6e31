import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cell, formatTable } from './serctl-table.js';

test('formatTable draws the mysql client table of the admin guide (acl grant)', () => {
  const t = formatTable(['user', 'grp', 'last_modified'], [{ user: 'john', grp: 'int', last_modified: new Date(Date.UTC(2002, 11, 8, 2, 9, 20)) }]);
  assert.equal(t, [
    '+------+-----+---------------------+',
    '| user | grp | last_modified       |',
    '+------+-----+---------------------+',
    '| john | int | 2002-12-08 02:09:20 |',
    '+------+-----+---------------------+',
    '',
  ].join('\n'));
});

test('formatTable: no rows print nothing; NULL and numbers as mysql shows them', () => {
  assert.equal(formatTable(['a'], []), '');
  assert.equal(cell(null), 'NULL');
  assert.equal(cell(0.5), '0.5');
  assert.equal(cell('2002-12-08 02:09:20'), '2002-12-08 02:09:20');
});
