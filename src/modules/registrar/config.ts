import type { ParamValue } from '../../script/module-api.js';
import { Q_UNSET } from '../usrloc/ucontact.js';
import type { Usrloc } from '../usrloc/usrloc.js';

/** Default of retry_after (seconds). */
export const DEFAULT_RETRY_AFTER = 5;

/** The registrar's parameters, read once. */
export interface RegistrarConfig {
  /** seconds given to a contact whose REGISTER says nothing (default_expires) */
  readonly defaultExpires: number;
  /** q of a contact without one: Q_UNSET or 0..1 (default_q, given in thousandths) */
  readonly defaultQ: number;
  /** lookup() puts every other valid contact into the destination set (append_branches) */
  readonly appendBranches: boolean;
  /** the address of record is user@domain (registrar's or usrloc's use_domain) */
  readonly useDomain: boolean;
  /** the user part keeps its case (case_sensitive) */
  readonly caseSensitive: boolean;
  /** the most recently registered contact first, whatever its q (registrar's or usrloc's desc_time_order) */
  readonly descTimeOrder: boolean;
  /** the script flag that marks a REGISTER from behind a NAT, and lookup() sets back (nat_flag) */
  readonly natFlag: number;
  /** shortest expiration accepted; 0: any (min_expires) */
  readonly minExpires: number;
  /** longest expiration granted; 0: no limit (max_expires) */
  readonly maxExpires: number;
  /** seconds in the Retry-After of a 500 when the database cannot store a change; 0: none (retry_after) */
  readonly retryAfter: number;
}

export interface RegistrarLog {
  err(message: string): void;
  warn(message: string): void;
  dbg(message: string): void;
}

export interface RegistrarState {
  readonly ul: Usrloc;
  readonly cfg: RegistrarConfig;
  readonly log: RegistrarLog;
}

export function registrarConfig(p: Readonly<Record<string, ParamValue>>, ul: Usrloc): RegistrarConfig {
  const q = Number(p.default_q ?? 0);
  return {
    defaultExpires: Number(p.default_expires ?? 3600),
    defaultQ: q < 0 ? Q_UNSET : q / 1000,
    appendBranches: Number(p.append_branches ?? 1) !== 0,
    useDomain: Number(p.use_domain ?? 0) === 1 || ul.opts.useDomain,
    caseSensitive: Number(p.case_sensitive ?? 0) === 1,
    descTimeOrder: Number(p.desc_time_order ?? 0) === 1 || ul.opts.descTimeOrder,
    natFlag: Number(p.nat_flag ?? 4),
    minExpires: Number(p.min_expires ?? 0),
    maxExpires: Number(p.max_expires ?? 0),
    retryAfter: Number(p.retry_after ?? DEFAULT_RETRY_AFTER),
  };
}
