import type { Core } from '../../script/core-api.js';
import type { RequestContext } from '../../script/context.js';
import { MAX_BRANCHES } from '../../script/core-config.js';
import { defineModule, FAILURE_ROUTE, REQUEST_ROUTE, type FixupContext, type ParamValue } from '../../script/module-api.js';
import { E_EXEC, E_TOO_MANY_BRANCHES } from '../../script/ser-error.js';
import { argString, boolOf, text } from '../../script/values.js';
import type { Value } from '../../script/ast.js';
import { L_ERR, type Logger } from '../../util/logger.js';
import { ChildRunner, type RunOutcome } from './child-runner.js';
import { parseDsetOutput } from './dset-output.js';
import { childEnvironment } from './environment.js';
import { osString, shortCommand } from './os-string.js';
import { RefusalLog } from './refusal-log.js';

export { ChildRunner, type RunLimits, type RunOutcome, type RunRequest } from './child-runner.js';
export { childEnvironment, fixedVars, headerVarName, headerVars } from './environment.js';
export { parseDsetOutput, MAX_URI_LINE } from './dset-output.js';
export { transactionToken } from './transaction-token.js';

// SER's exec module (guide §4.1, Examples 2-10, 2-20, 4-1..4-5): exec_msg hands the request to a
// shell command, exec_dset rewrites the destination set with a command's output. The programs
// run asynchronously and bounded (child-runner.ts); their environment carries the request's
// header fields and URIs (environment.ts).

export interface ExecState {
  readonly log: Logger;
  readonly runner: ChildRunner;
  readonly setvars: boolean;
  readonly timeToKill: number;
  readonly refusals: RefusalLog;
}

interface DsetArgs {
  readonly cmd: string;
  /** exec_dset(cmd, "1"): one bad line makes the whole output unusable */
  readonly strict: boolean;
}

function fixCommand(args: readonly Value[], fx: FixupContext, fn: string): string {
  const cmd = argString(args, 0);
  if (cmd.trim() === '') throw fx.error(0, `${fn}: the command is empty`, `e.g. ${fn}("/usr/local/bin/notify")`);
  if (cmd.includes('\0')) throw fx.error(0, `${fn}: the command contains a NUL character`);
  return cmd;
}

/**
 * Whether the program succeeded (exited with status 0); every other outcome is logged with the
 * command and the reason, and the limits and start failures set SER's E_EXEC.
 */
function succeeded(st: ExecState, ctx: RequestContext, fn: string, cmd: string, o: RunOutcome): boolean {
  const c = `${fn}: "${shortCommand(cmd)}"`;
  const tail = (stderr: string): string => (stderr.trim() ? `; its standard error: ${shortCommand(stderr)}` : '');
  switch (o.status) {
    case 'exited':
      if (o.code === 0) {
        if (o.stderr.trim()) st.log.dbg(`${c} exited with status 0${tail(o.stderr)}`);
        return true;
      }
      st.log.info(`${c} exited with status ${o.code}: false${tail(o.stderr)}`);
      return false;
    case 'busy':
      ctx.serError = E_EXEC;
      st.refusals.note(`ERROR: ${c} not started: ${o.running} programs running, the limit (max_children) is ${st.runner.limits.maxChildren}: false`);
      return false;
    case 'timeout':
      ctx.serError = E_EXEC;
      st.log.err(`${c} killed (SIGKILL): still running after time_to_kill (${st.timeToKill} s): false${tail(o.stderr)}`);
      return false;
    case 'output-limit':
      ctx.serError = E_EXEC;
      st.log.err(`${c} killed (SIGKILL): its output exceeded max_output (${st.runner.limits.maxOutput} bytes) and was cut: false`);
      return false;
    case 'signaled':
      ctx.serError = E_EXEC;
      st.log.err(`${c} was killed by ${o.signal}: false${tail(o.stderr)}`);
      return false;
    case 'spawn-failed':
      ctx.serError = E_EXEC;
      st.log.err(`${c} could not be started: ${o.error}: false`);
      return false;
  }
}

/** exec_msg(cmd): the received request on the command's standard input; true when it exits 0. */
export async function execMsg(st: ExecState, ctx: RequestContext, cmd: string): Promise<number> {
  const env = childEnvironment(ctx, st.setvars);
  const o = await st.runner.run({ command: cmd, name: 'exec_msg', env, input: ctx.msg.buf });
  return succeeded(st, ctx, 'exec_msg', cmd, o) ? 1 : -1;
}

/**
 * exec_dset(cmd[, validate]): the command gets the current Request-URI as its last argument
 * (SER appended it to the command line: `cmd uri`; here it is appended as `"$1"` with the URI
 * as the shell's first positional parameter, so its characters are never shell syntax). Each
 * non-empty output line is a URI: the first becomes the Request-URI, the others the rest of the
 * destination set, which is replaced (guide §2.4). Lines that are not URIs are dropped and
 * logged; with validate on, one such line makes the call false. False, with nothing changed,
 * when the command fails (status not 0, killed, not started) or prints no URI.
 */
export async function execDset(st: ExecState, ctx: RequestContext, a: DsetArgs): Promise<number> {
  const env = childEnvironment(ctx, st.setvars);
  const o = await st.runner.run({
    command: `${a.cmd} "$1"`,
    args: [osString(ctx.currentUri)],
    name: 'exec_dset',
    env,
    captureOutput: true,
  });
  const c = `exec_dset: "${shortCommand(a.cmd)}"`;
  if (!succeeded(st, ctx, 'exec_dset', a.cmd, o)) return -1;
  if (o.status !== 'exited') return -1;
  const { uris, bad } = parseDsetOutput(o.output);
  for (const b of bad) st.log.warn(`${c}: output line ${b.line} "${b.text}" is not a usable URI (${b.why}): dropped`);
  if (a.strict && bad.length > 0) {
    ctx.serError = E_EXEC;
    st.log.err(`${c}: ${bad.length} bad URI line(s) with validation on: the destination set is left as it was: false`);
    return -1;
  }
  if (uris.length === 0) {
    ctx.serError = E_EXEC;
    st.log.err(`${c}: no URI in its output: false`);
    return -1;
  }
  ctx.newUri = uris[0]!;
  ctx.branches.length = 0;
  for (let i = 1; i < uris.length; i++) {
    // SER's MAX_BRANCHES counts the Request-URI too
    if (ctx.branches.length + 1 >= MAX_BRANCHES) {
      ctx.serError = E_TOO_MANY_BRANCHES;
      st.log.err(`${c}: too many branches (max ${MAX_BRANCHES}); ${uris.length - i} URI(s) left out`);
      break;
    }
    ctx.branches.push(uris[i]!);
  }
  return 1;
}

function intRange(min: number, max: number) {
  return (v: ParamValue): string | undefined =>
    typeof v === 'number' && v >= min && v <= max ? undefined : `must be an integer from ${min} to ${max}`;
}

function createExec(core: Core, p: Readonly<Record<string, ParamValue>>): ExecState {
  const timeToKill = Number(p.time_to_kill);
  const runner = new ChildRunner({ timeoutMs: timeToKill * 1000, maxChildren: Number(p.max_children), maxOutput: Number(p.max_output) });
  return {
    log: core.log,
    runner,
    setvars: p.setvars === 1,
    timeToKill,
    refusals: new RefusalLog((line) => core.log.log(L_ERR, line)),
  };
}

/** External programs from the script (SER's exec module). */
export default defineModule<ExecState>({
  name: 'exec',
  doc: 'external programs: exec_msg passes the request to a command, exec_dset rewrites the destination set with its output (SER exec module)',
  params: {
    time_to_kill: {
      type: 'int',
      default: 10,
      check: intRange(1, 3600),
      doc: 'seconds a program may run; then its process group gets SIGKILL and the call is false (SER: 0 meant never; here programs are always bounded)',
    },
    max_children: {
      type: 'int',
      default: 32,
      check: intRange(1, 4096),
      doc: 'programs running at once; a call beyond it is false at once (logged) instead of waiting',
    },
    max_output: {
      type: 'int',
      default: 65536,
      check: intRange(1024, 16 * 1024 * 1024),
      doc: "bytes of exec_dset's output read; beyond them the output is cut, the program killed and the call false",
    },
    setvars: {
      type: 'int',
      default: 1,
      check: intRange(0, 1),
      doc: '1: the request in SIP_* environment variables; 0: only SRCIP and SIP_SRCIP',
    },
  },
  functions: {
    exec_msg: {
      arities: [1],
      routes: REQUEST_ROUTE | FAILURE_ROUTE,
      fixup: (args, fx) => fixCommand(args, fx, 'exec_msg'),
      run: (st, ctx, cmd) => execMsg(st, ctx, cmd as string),
      doc: 'exec_msg("cat > /tmp/last-request"): run the command with /bin/sh, the request on its input; true when it exits with 0',
    },
    exec_dset: {
      arities: [1, 2],
      routes: REQUEST_ROUTE | FAILURE_ROUTE,
      fixup: (args, fx): DsetArgs => {
        const cmd = fixCommand(args, fx, 'exec_dset');
        let strict = false;
        if (args.length > 1) {
          const b = boolOf(args[1]!);
          if (b === undefined) throw fx.error(1, `exec_dset: the validation flag must be 1 or 0 (yes/no), not '${text(args[1]!)}'`);
          strict = b;
        }
        return { cmd, strict };
      },
      run: (st, ctx, a) => execDset(st, ctx, a as DsetArgs),
      doc: 'exec_dset("/usr/local/bin/lcr"): run the command with the Request-URI appended as an argument; its output lines become the destination set',
    },
  },
  create: createExec,
  destroy: (st) => st.runner.close(),
});
