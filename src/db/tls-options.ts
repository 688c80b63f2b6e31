import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { savedExtraCaCerts } from '../util/extra-ca-certs.js';

/**
 * TLS options for a database connection (db_url ?ssl=): Node's defaults, plus the certificates
 * of NODE_EXTRA_CA_CERTS when our #! line took that variable from Node (util/extra-ca-certs.ts).
 * A `ca` list replaces Node's store, so the bundled roots go first, as Node itself combines them.
 * A file that cannot be read is reported and left out, as Node does with NODE_EXTRA_CA_CERTS.
 */
export function tlsOptions(env: NodeJS.ProcessEnv = process.env): { ca?: string[] } {
  const file = savedExtraCaCerts(env);
  if (file === undefined) return {};
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (e) {
    process.emitWarning(`Ignoring extra certs from \`${file}\`, load failed: ${(e as Error).message}`);
    return {};
  }
  return { ca: [...rootCertificates, pem] };
}
