import { byteString } from '../../sip/edit.js';
import { SipParseError } from '../../sip/parser/errors.js';
import { formatUri, parseUri, type SipUri } from '../../sip/parser/uri.js';
import type { Value } from '../ast.js';
import type { RequestContext } from '../context.js';
import type { Core } from '../core-api.js';
import { MAX_BRANCHES } from '../core-config.js';
import { ANY_ROUTE, type FixupContext, type FunctionSpec } from '../module-api.js';
import { E_BAD_URI, E_TOO_MANY_BRANCHES } from '../ser-error.js';
import { argInt, text } from '../values.js';

// Manipulation of the Request-URI and the destination set (SER §2.3, §2.4, §6.2 Table 2-2).

type UriChange = (u: SipUri) => Omit<SipUri, 'text'>;

/** Apply `change` to the current URI; -1 (E_BAD_URI) if the current URI does not parse. */
function rewrite(ctx: RequestContext, change: UriChange): number {
  let cur: SipUri;
  try {
    cur = ctx.currentUriParsed();
  } catch (e) {
    if (!(e instanceof SipParseError)) throw e;
    ctx.serError = E_BAD_URI;
    ctx.core.log.err(`bad uri <${ctx.currentUri}>, cannot rewrite it`);
    return -1;
  }
  ctx.newUri = formatUri(change(cur));
  return 1;
}

/** SER rewrites keep scheme, params and headers; a tel: URI becomes sip: once it gets a host. */
function sipScheme(u: SipUri): string {
  return u.scheme === 'sip' || u.scheme === 'sips' ? u.scheme : 'sip';
}

function splitHostPort(s: string): { host: string; port?: number } {
  const m = /^(\[[^\]]*\]|[^:]*)(?::(\d{1,5}))?$/.exec(s);
  if (!m) return { host: s };
  return m[2] !== undefined ? { host: m[1]!, port: Number(m[2]) } : { host: m[1]! };
}

function stringArg(validate?: (s: string) => string | undefined) {
  return (args: readonly Value[], fx: FixupContext): string => {
    const s = byteString(text(args[0]!));
    const err = validate?.(s);
    if (err) throw fx.error(0, err);
    return s;
  };
}

const validUri = (s: string): string | undefined => {
  try {
    parseUri(s);
    return undefined;
  } catch (e) {
    return `'${s}' is not a valid URI: ${(e as Error).message}`;
  }
};

const validHost = (s: string): string | undefined =>
  /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+)$/.test(s) ? undefined : `'${s}' is not a host name or address`;

const validHostPort = (s: string): string | undefined => {
  const hp = splitHostPort(s);
  if (validHost(hp.host)) return `'${s}' is not host[:port]`;
  if (hp.port !== undefined && (hp.port < 1 || hp.port > 65535)) return `bad port in '${s}'`;
  return undefined;
};

const validPort = (s: string): string | undefined =>
  /^\d{1,5}$/.test(s) && Number(s) >= 1 && Number(s) <= 65535 ? undefined : `'${s}' is not a port number`;

function setter(doc: string, validate: ((s: string) => string | undefined) | undefined, change: (u: SipUri, arg: string) => Omit<SipUri, 'text'>): FunctionSpec<Core> {
  return {
    arities: [1],
    routes: ANY_ROUTE,
    fixup: stringArg(validate),
    run: (_c, ctx, arg) => rewrite(ctx, (u) => change(u, arg as string)),
    doc,
  };
}

const setHost = setter('rewrite the host part of the Request-URI: sethost("foo.bar.com")', validHost, (u, h) => ({ ...u, scheme: sipScheme(u), host: h }));
const setHostPort = setter('rewrite host and port of the Request-URI: sethostport("foo.bar.com:5060")', validHostPort, (u, hp) => {
  const { host, port } = splitHostPort(hp);
  return { ...u, scheme: sipScheme(u), host, port };
});
const setUser = setter('rewrite the user part of the Request-URI: setuser("joe")', undefined, (u, user) => ({ ...u, user: user || undefined }));
const setUserPass = setter('rewrite user and password of the Request-URI: setuserpass("joe:mypass")', undefined, (u, up) => {
  const i = up.indexOf(':');
  return i < 0 ? { ...u, user: up || undefined, password: undefined } : { ...u, user: up.slice(0, i), password: up.slice(i + 1) };
});
const setPort = setter('rewrite the port of the Request-URI: setport("5060")', validPort, (u, p) => ({ ...u, port: Number(p) }));

const setUri: FunctionSpec<Core> = {
  arities: [1],
  routes: ANY_ROUTE,
  fixup: stringArg(validUri),
  run: (_c, ctx, uri) => {
    ctx.newUri = uri as string;
    return 1;
  },
  doc: 'replace the whole Request-URI: seturi("sip:joe@foo.bar.com:5060")',
};

export const URI_ACTIONS: Record<string, FunctionSpec<Core>> = {
  rewritehost: setHost,
  sethost: setHost,
  seth: setHost,
  rewritehostport: setHostPort,
  sethostport: setHostPort,
  sethp: setHostPort,
  rewriteuser: setUser,
  setuser: setUser,
  setu: setUser,
  rewriteuserpass: setUserPass,
  setuserpass: setUserPass,
  setup: setUserPass,
  rewriteport: setPort,
  setport: setPort,
  setp: setPort,
  rewriteuri: setUri,
  seturi: setUri,
  revert_uri: {
    arities: [0],
    routes: ANY_ROUTE,
    run: (_c, ctx) => {
      ctx.newUri = undefined;
      return 1;
    },
    doc: 'undo every Request-URI change: revert_uri()',
  },
  prefix: setter('insert a string in front of the user part: prefix("123")', undefined, (u, p) => ({ ...u, user: p + (u.user ?? '') })),
  strip: {
    arities: [1],
    routes: ANY_ROUTE,
    fixup: (args, fx) => argInt(args, 0, fx, 'strip count', 0, 1024),
    run: (_c, ctx, n) =>
      rewrite(ctx, (u) => {
        const user = u.user ?? '';
        // SER: stripping more than the user part has deletes it all (with a warning)
        if ((n as number) > user.length) ctx.core.log.warn(`too long strip asked; deleting username: ${n as number} of <${user}>`);
        const rest = user.slice(n as number);
        return { ...u, user: rest || undefined, password: rest ? u.password : undefined };
      }),
    doc: 'remove the first n characters of the user part: strip(3)',
  },
  append_branch: {
    arities: [0, 1],
    routes: ANY_ROUTE,
    fixup: (args, fx) => (args.length ? stringArg(validUri)(args, fx) : undefined),
    run: (_c, ctx, uri) => {
      // SER's MAX_BRANCHES counts the current URI too
      if (ctx.branches.length + 1 >= MAX_BRANCHES) {
        ctx.serError = E_TOO_MANY_BRANCHES;
        ctx.core.log.err(`append_branch: too many branches (max ${MAX_BRANCHES})`);
        return -1;
      }
      ctx.branches.push((uri as string | undefined) ?? ctx.currentUri);
      return 1;
    },
    doc: 'add a URI (default: the current one) to the destination set: append_branch("sip:b@foo.bar")',
  },
};
