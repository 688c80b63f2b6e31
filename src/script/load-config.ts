import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { suggest } from '../util/suggest.js';
import type { Call, Compare, Loc, RouteBlock, RouteKind, Script, Stmt, Expr, Value } from './ast.js';
import { ConfigError } from './config-error.js';
import type { CoreConfig } from './core-config.js';
import { applyOption, finishListen } from './core-options.js';
import { CORE_ACTIONS } from './actions/index.js';
import {
  FAILURE_ROUTE,
  REQUEST_ROUTE,
  routeTypeNames,
  type FixupContext,
  type FunctionSpec,
  type ModuleDescriptor,
  type ParamValue,
} from './module-api.js';
import { parseScript } from './parser.js';
import { text, boolOf } from './values.js';

/** Every error found in a config, in source order. */
export class ConfigErrors extends Error {
  constructor(
    readonly errors: ConfigError[],
    readonly source: string,
  ) {
    super(errors.map((e) => e.message).join('; '));
  }

  format(): string {
    return this.errors.map((e) => e.format(this.source)).join('\n');
  }
}

export interface LoadedModule {
  readonly desc: ModuleDescriptor<unknown>;
  readonly params: Record<string, ParamValue>;
  readonly loc: Loc;
}

/** A call bound to its implementation, with its arguments fixed up. */
export interface BoundCall {
  readonly spec: FunctionSpec<unknown>;
  /** 'core' or the module name: whose state `run` gets */
  readonly owner: string;
  readonly fixed: unknown;
}

export interface LoadedConfig {
  readonly file: string;
  readonly source: string;
  readonly core: CoreConfig;
  readonly modules: LoadedModule[];
  readonly routes: Record<RouteKind, Map<number, RouteBlock>>;
  readonly bound: WeakMap<Call, BoundCall>;
  readonly warnings: ConfigError[];
}

const ROUTE_KIND_NAME: Record<RouteKind, string> = {
  request: 'route',
  failure: 'failure_route',
  onreply: 'onreply_route',
  branch: 'branch_route',
};

/** Words that end a route block like `break` (SER's drop; Kamailio's exit). */
export const BREAK_WORDS: ReadonlySet<string> = new Set(['break', 'drop', 'exit']);

/** Module names SER 0.8 ships that this server does not provide (yet). */
const SER_MODULES = [
  'auth_radius', 'group_radius', 'uri_radius', 'enum', 'jabber', 'msilo', 'nathelper', 'pa',
  'sms', 'cpl', 'pike', 'permissions', 'xlog', 'avpops', 'print', 'mediaproxy',
];

export function moduleNameFromPath(p: string): string {
  return path.basename(p).replace(/\.so$/, '');
}

/** Read, parse and check a config file. */
export async function loadConfigFile(file: string, registry: Readonly<Record<string, ModuleDescriptor<unknown>>>, base: CoreConfig): Promise<LoadedConfig> {
  const source = await readFile(file, 'utf8');
  return loadConfig(source, file, registry, base);
}

/**
 * Check a whole config like a compiler: options, modules, module parameters, then every call in
 * every route (name, argument count, route type, constant arguments). Throws ConfigErrors with
 * everything found (up to a limit), each with file:line:col and a hint.
 */
export function loadConfig(
  source: string,
  file: string,
  registry: Readonly<Record<string, ModuleDescriptor<unknown>>>,
  base: CoreConfig,
): LoadedConfig {
  let script: Script;
  let warnings: ConfigError[];
  try {
    ({ script, warnings } = parseScript(source, file));
  } catch (e) {
    if (e instanceof ConfigError) throw new ConfigErrors([e], source);
    throw e;
  }
  const errors: ConfigError[] = [];
  const fail = (e: unknown) => {
    if (e instanceof ConfigError) errors.push(e);
    else throw e;
  };
  const core: CoreConfig = { ...base, listen: [...base.listen], alias: [...base.alias] };
  const modules: LoadedModule[] = [];
  const byName = new Map<string, LoadedModule>();
  const routes: Record<RouteKind, Map<number, RouteBlock>> = {
    request: new Map(),
    failure: new Map(),
    onreply: new Map(),
    branch: new Map(),
  };

  let workersLoc: Loc | undefined;
  for (const item of script.items) {
    try {
      switch (item.type) {
        case 'assign':
          applyOption(core, item);
          if (item.name === 'workers') workersLoc = item.loc;
          break;
        case 'loadmodule': {
          const name = moduleNameFromPath(text(item.path));
          const desc = registry[name];
          if (!desc) {
            const near = suggest(name, Object.keys(registry));
            const hint = SER_MODULES.includes(name)
              ? `module '${name}' is not available in this version; available: ${Object.keys(registry).join(', ')}`
              : near
                ? `did you mean '${near}'?`
                : `available modules: ${Object.keys(registry).join(', ')}`;
            throw new ConfigError(`unknown module '${name}' (from "${text(item.path)}")`, item.path.loc, hint);
          }
          if (byName.has(name)) {
            warnings.push(new ConfigError(`module '${name}' is loaded twice; the second loadmodule is ignored`, item.loc, undefined, 'warning'));
            break;
          }
          for (const dep of desc.depends ?? []) {
            if (!byName.has(dep)) throw new ConfigError(`module '${name}' needs module '${dep}' loaded before it`, item.loc, `add loadmodule "${dep}.so" above this line`);
          }
          const params: Record<string, ParamValue> = {};
          for (const [k, p] of Object.entries(desc.params)) params[k] = p.default;
          const m: LoadedModule = { desc, params, loc: item.loc };
          modules.push(m);
          byName.set(name, m);
          break;
        }
        case 'modparam':
          setModParam(byName, registry, item.module, item.param, item.value);
          break;
        case 'route': {
          if (item.kind === 'onreply' || item.kind === 'branch') {
            throw new ConfigError(`${ROUTE_KIND_NAME[item.kind]} is not part of SER 0.8 and is not supported`, item.loc, 'use route[n] and failure_route[n]');
          }
          const prev = routes[item.kind].get(item.index);
          if (prev) {
            throw new ConfigError(
              `${ROUTE_KIND_NAME[item.kind]}[${item.index}] is defined twice (first at line ${prev.loc.line})`,
              item.loc,
            );
          }
          routes[item.kind].set(item.index, item);
          break;
        }
      }
    } catch (e) {
      fail(e);
    }
  }
  finishListen(core);
  if (core.workers > 1) {
    for (const m of modules) {
      if (!m.desc.singleProcess) continue;
      fail(
        new ConfigError(
          `workers=${core.workers} cannot be used with module '${m.desc.name}': its state must see every message, and worker processes share the sockets`,
          workersLoc ?? m.loc,
          'remove the workers line (one process serves every socket)',
        ),
      );
    }
  }
  if (!routes.request.has(0)) {
    warnings.push(new ConfigError('no main route block (route { ... }): every request will be dropped', { file, line: 1, col: 1, len: 1 }, undefined, 'warning'));
  }

  const bound = new WeakMap<Call, BoundCall>();
  bindRoutes(routes, byName, registry, bound, fail, warnings);
  if (errors.length) throw new ConfigErrors(errors.slice(0, 50), source);
  return { file, source, core, modules, routes, bound, warnings };
}

function setModParam(
  byName: Map<string, LoadedModule>,
  registry: Readonly<Record<string, ModuleDescriptor<unknown>>>,
  modV: Value,
  paramV: Value,
  valueV: Value,
): void {
  const modName = text(modV);
  const m = byName.get(modName);
  if (!m) {
    const hint = registry[modName]
      ? `add loadmodule "${modName}.so" before this modparam`
      : (() => {
          const near = suggest(modName, byName.keys());
          return near ? `did you mean '${near}'?` : undefined;
        })();
    throw new ConfigError(`modparam: module '${modName}' is not loaded`, modV.loc, hint);
  }
  const pname = text(paramV);
  const spec = m.desc.params[pname];
  if (!spec) {
    const near = suggest(pname, Object.keys(m.desc.params));
    const known = Object.keys(m.desc.params);
    throw new ConfigError(
      `module '${modName}' has no parameter '${pname}'`,
      paramV.loc,
      near ? `did you mean '${near}'?` : known.length ? `its parameters: ${known.join(', ')}` : `'${modName}' takes no parameters`,
    );
  }
  let value: ParamValue;
  if (spec.type === 'int') {
    const t = text(valueV).trim();
    const b = /^-?\d+$/.test(t) ? Number(t) : boolOf(valueV) !== undefined ? Number(boolOf(valueV)) : undefined;
    if (b === undefined) throw new ConfigError(`parameter '${pname}' of '${modName}' takes an integer, not '${t}'`, valueV.loc);
    value = b;
  } else {
    value = text(valueV);
  }
  const bad = spec.check?.(value);
  if (bad) throw new ConfigError(`bad value for '${modName}' parameter '${pname}': ${bad}`, valueV.loc);
  m.params[pname] = value;
}

/**
 * Bind every call. First find from which route types each route[n] can be reached (route(n)
 * from route blocks or failure blocks), then check each call against those types.
 */
function bindRoutes(
  routes: Record<RouteKind, Map<number, RouteBlock>>,
  modules: Map<string, LoadedModule>,
  registry: Readonly<Record<string, ModuleDescriptor<unknown>>>,
  bound: WeakMap<Call, BoundCall>,
  fail: (e: unknown) => void,
  warnings: ConfigError[],
): void {
  // route type mask per route[n]
  const reach = new Map<number, number>();
  const visit = (block: Stmt[], mask: number) => {
    forEachCall(block, (c) => {
      if (c.name !== 'route' || c.args.length !== 1) return;
      const n = Number(text(c.args[0]!));
      if (!Number.isInteger(n)) return;
      const before = reach.get(n) ?? 0;
      if ((before | mask) !== before) {
        reach.set(n, before | mask);
        const target = routes.request.get(n);
        if (target) visit(target.body, mask);
      }
    });
  };
  const main = routes.request.get(0);
  if (main) {
    reach.set(0, REQUEST_ROUTE);
    visit(main.body, REQUEST_ROUTE);
  }
  for (const fr of routes.failure.values()) visit(fr.body, FAILURE_ROUTE);

  const bindBlock = (blk: RouteBlock, mask: number) => {
    const fx = (call: Call, params: Record<string, ParamValue>): FixupContext => ({
      params,
      error: (i, message, hint) => new ConfigError(message, call.args[i]?.loc ?? call.loc, hint),
      hasRoute: (kind, index) => routes[kind].has(index),
    });
    forEachCall(blk.body, (c) => {
      try {
        if (c.name === 'route') {
          if (c.args.length !== 1) throw new ConfigError(`route() takes one route number, not ${c.args.length} arguments`, c.loc);
          const n = Number(text(c.args[0]!));
          if (!/^\d+$/.test(text(c.args[0]!))) throw new ConfigError(`'${text(c.args[0]!)}' is not a route number`, c.args[0]!.loc);
          if (!routes.request.has(n)) {
            const defined = [...routes.request.keys()].filter((k) => k !== 0);
            throw new ConfigError(`route(${n}) calls a route block that is not defined`, c.args[0]!.loc, defined.length ? `defined: ${defined.map((k) => `route[${k}]`).join(', ')}` : `define route[${n}] { ... }`);
          }
          return;
        }
        if (BREAK_WORDS.has(c.name)) {
          if (c.args.length) throw new ConfigError(`'${c.name}' takes no arguments`, c.loc);
          return;
        }
        let owner = 'core';
        let spec: FunctionSpec<unknown> | undefined = CORE_ACTIONS[c.name] as FunctionSpec<unknown> | undefined;
        let params: Record<string, ParamValue> = {};
        if (!spec) {
          for (const m of modules.values()) {
            const f = m.desc.functions[c.name];
            if (f) {
              spec = f;
              owner = m.desc.name;
              params = m.params;
              break;
            }
          }
        }
        if (!spec) throw unknownFunction(c, modules, registry);
        if (!spec.arities.includes(c.args.length)) {
          const want = spec.arities.map(String).join(' or ');
          throw new ConfigError(
            `${c.name}() takes ${want} argument${spec.arities.length === 1 && spec.arities[0] === 1 ? '' : 's'}, not ${c.args.length}`,
            c.loc,
            spec.doc,
          );
        }
        if ((spec.routes & mask) !== mask) {
          throw new ConfigError(
            `${c.name}() cannot be used in ${routeTypeNames(mask & ~spec.routes)}`,
            c.loc,
            `it is allowed in: ${routeTypeNames(spec.routes)}`,
          );
        }
        const fixed = spec.fixup ? spec.fixup(c.args, fx(c, params)) : undefined;
        bound.set(c, { spec, owner, fixed });
      } catch (e) {
        fail(e);
      }
    });
  };
  for (const [n, blk] of routes.request) {
    const mask = reach.get(n);
    if (mask === undefined) {
      warnings.push(new ConfigError(`route[${n}] is never called`, blk.loc, undefined, 'warning'));
    }
    bindBlock(blk, mask ?? REQUEST_ROUTE);
  }
  for (const blk of routes.failure.values()) bindBlock(blk, FAILURE_ROUTE);
}

function unknownFunction(c: Call, modules: Map<string, LoadedModule>, registry: Readonly<Record<string, ModuleDescriptor<unknown>>>): ConfigError {
  for (const d of Object.values(registry)) {
    if (d.functions[c.name]) {
      return new ConfigError(`function '${c.name}' is exported by module '${d.name}', which is not loaded`, { ...c.loc, len: Math.max(1, c.name.length) }, `add loadmodule "${d.name}.so" at the top`);
    }
  }
  const names = [...Object.keys(CORE_ACTIONS), 'route', 'break', 'drop'];
  for (const m of modules.values()) names.push(...Object.keys(m.desc.functions));
  const near = suggest(c.name, names);
  return new ConfigError(
    `unknown function '${c.name}'`,
    { ...c.loc, len: Math.max(1, c.name.length) },
    near ? `did you mean '${near}'?` : 'is the module that exports it loaded with loadmodule?',
  );
}

/** Visit every call in statements and conditions, depth first, in source order. */
export function forEachCall(stmts: readonly Stmt[], f: (c: Call) => void): void {
  forEachLeaf(stmts, (n) => {
    if (n.type === 'call') f(n);
  });
}

/** Visit every call and comparison in statements and conditions, depth first, in source order. */
export function forEachLeaf(stmts: readonly Stmt[], f: (n: Call | Compare) => void): void {
  const expr = (e: Expr): void => {
    switch (e.type) {
      case 'call':
      case 'cmp':
        f(e);
        break;
      case 'not':
        expr(e.expr);
        break;
      case 'and':
      case 'or':
        expr(e.left);
        expr(e.right);
        break;
      case 'number':
        break;
    }
  };
  for (const s of stmts) {
    switch (s.type) {
      case 'call':
        f(s);
        break;
      case 'if':
        expr(s.cond);
        forEachLeaf(s.then, f);
        if (s.else) forEachLeaf(s.else, f);
        break;
      case 'block':
        forEachLeaf(s.body, f);
        break;
      case 'break':
        break;
    }
  }
}
