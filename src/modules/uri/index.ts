import type { Core } from '../../script/core-api.js';
import type { RequestContext } from '../../script/context.js';
import { defineModule, REQUEST_ROUTE } from '../../script/module-api.js';
import { argString } from '../../script/values.js';
import { byteString } from '../../sip/edit.js';
import { checkUsername, isUser } from './username-checks.js';

export { checkUsername, equalsIgnoreAsciiCase, isUser, type CheckResult } from './username-checks.js';

function check(core: Core, ctx: RequestContext, which: 'to' | 'from'): number {
  const fn = which === 'to' ? 'check_to' : 'check_from';
  const r = checkUsername(ctx, which);
  switch (r) {
    case 'match':
      return 1;
    case 'no-credentials':
      core.log.err(`${fn}: no authorized credentials found (error in the script): call www_authorize or proxy_authorize before ${fn}`);
      return -1;
    case 'bad-uri':
      core.log.err(`${fn}: cannot parse the ${which === 'to' ? 'To' : 'From'} URI`);
      return -1;
    default:
      core.log.dbg(`${fn}: ${r === 'no-user' ? 'no user part in the URI' : 'the digest username and the URI user differ'}`);
      return -1;
  }
}

/**
 * Checks of the digest identity against the message (SER's uri module, use_uri_table 0). The
 * functions read the credentials auth_db accepted; they need no parameter and no database.
 */
export default defineModule<Core>({
  name: 'uri',
  doc: 'checks of the authenticated digest username against the To and From URIs and a given name (SER uri module)',
  params: {},
  functions: {
    check_to: {
      arities: [0],
      routes: REQUEST_ROUTE,
      run: (core, ctx) => check(core, ctx, 'to'),
      doc: 'check_to(): true when the user part of the To URI is the authenticated digest username (case-insensitive)',
    },
    check_from: {
      arities: [0],
      routes: REQUEST_ROUTE,
      run: (core, ctx) => check(core, ctx, 'from'),
      doc: 'check_from(): true when the user part of the From URI is the authenticated digest username (case-insensitive)',
    },
    is_user: {
      arities: [1],
      routes: REQUEST_ROUTE,
      fixup: (args, fx) => {
        const u = byteString(argString(args, 0));
        if (u === '') throw fx.error(0, 'is_user: the user name is empty');
        return u;
      },
      run: (core, ctx, user) => {
        if (!ctx.authorized) {
          core.log.err('is_user: no authorized credentials found (error in the script): call www_authorize or proxy_authorize before is_user');
          return -1;
        }
        return isUser(ctx, user as string) ? 1 : -1;
      },
      doc: 'is_user("alice"): true when the authenticated digest username is this one (case-sensitive)',
    },
  },
  create: (core) => core,
});
