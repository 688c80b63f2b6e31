import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BATCH_INDEX, splitRows, unionOf } from './read-batch.js';
import { buildSelect } from './sql-build.js';

const lookup = { columns: ['ha1'], where: [{ col: 'username', value: 'x' }, { col: 'domain', value: 'd' }], limit: 1 };

test('unionOf: MySQL keeps the ? placeholders, one parenthesised branch per lookup with its index', () => {
  const b = buildSelect('mysql', 'subscriber', lookup);
  const u = unionOf('mysql', b.sql, [['alice', 'a.example'], ['bob', 'b.example']]);
  assert.equal(
    u.sql,
    `(SELECT 0 AS ${BATCH_INDEX}, \`ha1\` FROM \`subscriber\` WHERE \`username\` = ? AND \`domain\` = ? LIMIT 1)` +
      ` UNION ALL (SELECT 1 AS ${BATCH_INDEX}, \`ha1\` FROM \`subscriber\` WHERE \`username\` = ? AND \`domain\` = ? LIMIT 1)`,
  );
  assert.deepEqual(u.params, ['alice', 'a.example', 'bob', 'b.example']);
});

test('unionOf: PostgreSQL parameters are renumbered branch by branch', () => {
  const b = buildSelect('postgres', 'subscriber', lookup);
  const u = unionOf('postgres', b.sql, [['a', '1'], ['b', '2'], ['c', '3']]);
  assert.match(u.sql, /^\(SELECT 0 AS ser_batch_index, "ha1" FROM "subscriber" WHERE "username" = \$1 AND "domain" = \$2 LIMIT 1\) UNION ALL/);
  assert.match(u.sql, /\(SELECT 1 AS ser_batch_index, .* = \$3 AND "domain" = \$4 LIMIT 1\) UNION ALL/);
  assert.match(u.sql, /\(SELECT 2 AS ser_batch_index, .* = \$5 AND "domain" = \$6 LIMIT 1\)$/);
  assert.deepEqual(u.params, ['a', '1', 'b', '2', 'c', '3']);
});

test('splitRows: each row goes back to its lookup, without the index column; none for a lookup that found nothing', () => {
  const rows = [
    { [BATCH_INDEX]: 2, ha1: 'c' },
    { [BATCH_INDEX]: '0', ha1: 'a' },
    { [BATCH_INDEX]: 2, ha1: 'c2' },
  ];
  assert.deepEqual(splitRows(rows, 3), [[{ ha1: 'a' }], [], [{ ha1: 'c' }, { ha1: 'c2' }]]);
});
