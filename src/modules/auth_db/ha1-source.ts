// Where auth_db finds HA1: the subscriber table (SER auth_db's get_ha1). A digest username of
// the form user@domain is looked up by its user part and read from the ha1b column
// (password_column_2), which holds H(user@domain:realm:password); other usernames from ha1.
// With calculate_ha1 the column holds the plain-text password and HA1 is computed here, with
// the hash of the algorithm the client chose (the only way SHA-256 credentials can be checked).

import type { Db } from '../../db/api.js';
import { byteString } from '../../sip/edit.js';
import { dbText } from '../../util/strings.js';
import { baseAlgorithm, ha1, type DigestAlgorithm, type Ha1Source } from '../auth/index.js';

export interface AuthDbColumns {
  readonly user: string;
  readonly domain: string;
  /** ha1, or the plain-text password with calculate_ha1 */
  readonly password: string;
  /** ha1b: HA1 of user@domain usernames */
  readonly password2: string;
}

export interface AuthDbOptions {
  readonly columns: AuthDbColumns;
  readonly calculateHa1: boolean;
  /** the domain (from the username, else the realm) is part of the query */
  readonly useDomain: boolean;
}

export class SubscriberHa1 implements Ha1Source {
  constructor(
    private readonly db: Db,
    private readonly table: string,
    private readonly o: AuthDbOptions,
  ) {}

  async ha1(username: string, realm: string, alg: DigestAlgorithm): Promise<string | undefined> {
    const at = username.indexOf('@');
    const user = at >= 0 ? username.slice(0, at) : username;
    const domain = at >= 0 ? username.slice(at + 1) : realm;
    const { columns: c, calculateHa1 } = this.o;
    const col = calculateHa1 || at < 0 ? c.password : c.password2;
    // the credentials are bytes of the message; the table holds text (UTF-8 decoded by the driver)
    const where = [{ col: c.user, value: dbText(user) }];
    if (this.o.useDomain) where.push({ col: c.domain, value: dbText(domain) });
    const rows = await this.db.query(this.table, { columns: [col], where, limit: 1 });
    if (rows.length === 0) return undefined;
    const v = rows[0]![col];
    if (typeof v !== 'string' || v === '') return undefined;
    // a UA hashes the UTF-8 bytes of the password (RFC 7616 §4: charset=UTF-8)
    if (calculateHa1) return ha1(baseAlgorithm(alg), username, realm, byteString(v));
    // stored HA1 values are MD5 (serctl and serweb write them so)
    return baseAlgorithm(alg) === 'MD5' ? v : undefined;
  }
}
