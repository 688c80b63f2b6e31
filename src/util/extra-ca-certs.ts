// NODE_EXTRA_CA_CERTS, kept aside. Node 20 reads it as it starts and then loads its whole CA
// store, the bundled roots and the extra file, before any JavaScript runs: ~40 ms of CPU with
// OpenSSL 3 (nodejs/node#40524; half of it even for an empty file), at every start, for a
// process that speaks TLS only to a database whose db_url says ?ssl=. So bin/ser.js, serctl and
// ser-dbinit start Node without the variable and keep its value in SER_NODE_EXTRA_CA_CERTS (their
// #! lines: `env -S -u NODE_EXTRA_CA_CERTS SER_NODE_EXTRA_CA_CERTS=${NODE_EXTRA_CA_CERTS} node`);
// database TLS (db/tls-options.ts) and the programs the server starts get it back.

/** Where the #! lines keep NODE_EXTRA_CA_CERTS's value ('' when it was not set). */
export const SAVED_EXTRA_CA_CERTS = 'SER_NODE_EXTRA_CA_CERTS';

/** The file NODE_EXTRA_CA_CERTS named when the process was started through a #! line above. */
export function savedExtraCaCerts(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env[SAVED_EXTRA_CA_CERTS] || undefined;
}

/**
 * An environment for a child process with NODE_EXTRA_CA_CERTS as the user set it: a Node program
 * the server starts (exec, `serctl start`) trusts what it would have trusted without us.
 */
export function restoreExtraCaCerts(env: Record<string, string | undefined>): void {
  if (!(SAVED_EXTRA_CA_CERTS in env)) return;
  const file = env[SAVED_EXTRA_CA_CERTS];
  delete env[SAVED_EXTRA_CA_CERTS];
  if (file) env.NODE_EXTRA_CA_CERTS = file;
}
