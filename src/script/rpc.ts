// The management commands, registered once (by the core, or by the module that owns the state
// they read) and served by thin transports: SER's FIFO (src/daemon/fifo-server.ts), JSON-RPC
// over HTTP and a unix socket (src/daemon/jsonrpc-server.ts). A command declares its parameters
// as SER's FIFO read them: one line each, or a set of lines ended by a line with a single dot
// (t_uac_dlg's header fields and body, admin guide Table 6-2).

/** One parameter: a line, or (`lines`) a dot-terminated set of lines. */
export interface RpcParam {
  readonly name: string;
  readonly kind?: 'line' | 'lines';
  /** may be left out (only at the end: FIFO parameters are positional) */
  readonly optional?: boolean;
  readonly doc?: string;
}

/** What a command answers: a status line and body for the FIFO, `value` for JSON-RPC. */
export interface RpcResult {
  /** 200..299 is success (FIFO status line); default 200 */
  readonly code?: number;
  /** default "ok" */
  readonly reason?: string;
  /** the FIFO reply body (lines without the status line) */
  readonly text?: string;
  /** the JSON-RPC result; default: the body's lines */
  readonly value?: unknown;
}

/** The argument values, by parameter name: a string for a line, an array for a set of lines. */
export type RpcArgs = Readonly<Record<string, string | readonly string[] | undefined>>;

export interface RpcCommand {
  /** SER's FIFO name: "ul_show_contact" */
  readonly name: string;
  /** the JSON-RPC method: "ul.show_contact" */
  readonly method: string;
  readonly params: readonly RpcParam[];
  readonly doc: string;
  run(args: RpcArgs): RpcResult | Promise<RpcResult>;
}

/** A refusal with the FIFO status it owes (400 for bad parameters, 404 for nothing found...). */
export class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'RpcError';
  }
}

const NAME = /^[a-z][a-z0-9_]*$/;
const METHOD = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/;

export class RpcRegistry {
  private readonly byName = new Map<string, RpcCommand>();
  private readonly byMethod = new Map<string, RpcCommand>();

  register(c: RpcCommand): void {
    if (!NAME.test(c.name)) throw new Error(`bad command name '${c.name}'`);
    if (!METHOD.test(c.method)) throw new Error(`bad JSON-RPC method '${c.method}' for '${c.name}'`);
    if (this.byName.has(c.name) || this.byMethod.has(c.method)) throw new Error(`command '${c.name}' (${c.method}) is registered twice`);
    const firstOptional = c.params.findIndex((p) => p.optional);
    if (firstOptional >= 0 && c.params.slice(firstOptional).some((p) => !p.optional)) {
      throw new Error(`command '${c.name}': optional parameters must come last`);
    }
    this.byName.set(c.name, c);
    this.byMethod.set(c.method, c);
  }

  /** By FIFO name. */
  get(name: string): RpcCommand | undefined {
    return this.byName.get(name);
  }

  /** By JSON-RPC method. */
  byJsonMethod(method: string): RpcCommand | undefined {
    return this.byMethod.get(method);
  }

  /** Every command, in registration order (core first, then modules as loaded): `which`. */
  list(): RpcCommand[] {
    return [...this.byName.values()];
  }

  /**
   * Runs a command with checked arguments: missing required parameters are a 400, never a
   * crash; anything the command throws that is not an RpcError is a 500 with its message.
   */
  async call(c: RpcCommand, args: RpcArgs): Promise<Required<Pick<RpcResult, 'code' | 'reason' | 'text'>> & { value: unknown }> {
    for (const p of c.params) {
      if (!p.optional && args[p.name] === undefined) return fail(400, `${c.name}: parameter '${p.name}' missing`);
    }
    try {
      const r = await c.run(args);
      const text = r.text ?? '';
      return {
        code: r.code ?? 200,
        reason: r.reason ?? 'ok',
        text,
        value: r.value !== undefined ? r.value : text === '' ? [] : text.replace(/\n$/, '').split('\n'),
      };
    } catch (e) {
      if (e instanceof RpcError) return fail(e.code, e.message);
      return fail(500, `${c.name}: ${(e as Error).message}`);
    }
  }
}

function fail(code: number, reason: string) {
  return { code, reason, text: '', value: undefined };
}

/** A parameter value that must be one line. */
export function lineArg(args: RpcArgs, name: string): string {
  const v = args[name];
  if (typeof v !== 'string') throw new RpcError(400, `parameter '${name}' must be one line`);
  return v;
}
