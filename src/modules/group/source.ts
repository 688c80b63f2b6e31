// Where is_user_in() takes the user from (SER 0.8 group module, hf_fixup and is_user_in): the
// Request-URI, the To or From URI, or the digest credentials www_authorize()/proxy_authorize()
// accepted. The name is fixed up once, at start-up, compared without case as SER did.

import type { RequestContext } from '../../script/context.js';
import { parseUri } from '../../sip/parser/uri.js';
import { suggest } from '../../util/suggest.js';

export type GroupSource = 'request-uri' | 'to' | 'from' | 'credentials';

/** The names is_user_in() accepts, as the SER documentation spells them. */
export const SOURCE_NAMES: Readonly<Record<GroupSource, string>> = {
  'request-uri': 'Request-URI',
  to: 'To',
  from: 'From',
  credentials: 'Credentials',
};

/** The source a name means (without case), or undefined. */
export function sourceOf(name: string): GroupSource | undefined {
  const k = name.trim().toLowerCase();
  return Object.hasOwn(SOURCE_NAMES, k) ? (k as GroupSource) : undefined;
}

/** The hint for a name that is no source: the nearest one, and the list. */
export function sourceHint(name: string): string {
  const near = suggest(name.toLowerCase(), Object.keys(SOURCE_NAMES));
  const all = Object.values(SOURCE_NAMES).map((n) => `"${n}"`).join(', ');
  return near ? `did you mean "${SOURCE_NAMES[near as GroupSource]}"? (one of ${all})` : `expected one of ${all}`;
}

/** Who is asked about: the user part and the domain, as byte strings from the message. */
export interface GroupUser {
  readonly user: string;
  readonly domain: string;
}

/** Thrown when the source cannot give a user (malformed header, no credentials); the check is false. */
export class NoUser extends Error {}

/**
 * The user and domain of `source` for this request. A URI's user part is taken as written
 * (escaped), as SER's parse_uri gave it; the domain is the URI's host. "Credentials" gives the
 * user part of the digest username and its domain (after an '@' in the username, else the
 * realm; SER 0.8 used the whole username and the realm).
 */
export function groupUser(ctx: RequestContext, source: GroupSource): GroupUser {
  switch (source) {
    case 'credentials': {
      const a = ctx.authorized;
      if (!a) throw new NoUser('no authorized credentials (call www_authorize or proxy_authorize first)');
      return { user: a.user, domain: a.domain };
    }
    case 'request-uri': {
      const u = ctx.currentUriParsed();
      return { user: u.user ?? '', domain: u.host };
    }
    case 'to':
    case 'from': {
      const u = parseUri((source === 'to' ? ctx.msg.to : ctx.msg.from).uri);
      return { user: u.user ?? '', domain: u.host };
    }
  }
}
