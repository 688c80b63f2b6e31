// serctl monitor (moni), ps and fifo: the server's state through the FIFO (admin guide §3.3,
// Examples 3-3, 4-6..4-8 and 5-2). monitor prints version, uptime, t_stats, sl_stats and
// ul_stats every WATCH_PERIOD seconds (default 2), redrawing the screen, until Ctrl-C; when its
// output is not a terminal it prints WATCH_CYCLES cycles (default 1) and ends.

import { printableReply } from './serctl-fifo.js';
import { FifoError } from './serctl-fifo.js';
import type { SerctlContext } from './serctl-context.js';
import { SerctlError } from './serctl-env.js';

const SECTIONS: readonly { readonly title: string | undefined; readonly cmd: string }[] = [
  { title: undefined, cmd: 'version' },
  { title: undefined, cmd: 'uptime' },
  { title: 'Transaction Statistics', cmd: 't_stats' },
  { title: 'Stateless Server Statistics', cmd: 'sl_stats' },
  { title: 'UsrLoc Stats', cmd: 'ul_stats' },
];

/** One screen of monitor: Example 5-2. A failing command shows its error line in its place. */
export async function monitorCycle(ctx: SerctlContext, cycle: number): Promise<string> {
  let text = `[cycle #: ${cycle}; if constant make sure server lives and fifo is on]\n`;
  for (const s of SECTIONS) {
    if (s.title) text += `${s.title}\n`;
    try {
      text += printableReply(await ctx.fifoCmd(s.cmd));
    } catch (err) {
      if (!(err instanceof FifoError)) throw err;
      if (cycle === 1 && s.cmd === 'version') throw err;
      text += `(${s.cmd}: ${err.message})\n`;
    }
    if (s.cmd !== 'version') text += '\n';
  }
  return text;
}

export async function cmdMonitor(ctx: SerctlContext, tty: boolean): Promise<number> {
  const period = Number(ctx.e.env['WATCH_PERIOD'] ?? 2);
  if (!(period > 0)) throw new SerctlError(`WATCH_PERIOD must be a number of seconds above 0, not '${ctx.e.env['WATCH_PERIOD']}'`);
  const cyclesEnv = ctx.e.env['WATCH_CYCLES'];
  const cycles = cyclesEnv !== undefined ? Number(cyclesEnv) : tty ? Infinity : 1;
  if (!(cycles >= 1)) throw new SerctlError(`WATCH_CYCLES must be a number of cycles, 1 or more, not '${cyclesEnv}'`);
  if (tty) ctx.out('\x1b[H\x1b[2J');
  for (let n = 1; n <= cycles; n++) {
    const screen = await monitorCycle(ctx, n);
    // cursor home and clear each line's end, as SER's "tput cup 0 0" redraw
    ctx.out(tty ? '\x1b[H' + screen.replace(/\n/g, '\x1b[K\n') + '\x1b[J' : screen);
    if (n < cycles) await new Promise((r) => setTimeout(r, period * 1000));
  }
  return 0;
}

export function cmdPs(ctx: SerctlContext): Promise<number> {
  return ctx.fifoPrint('ps');
}

/** `serctl fifo <command> [<param line>...]`: a raw request, the reply as it came (but "200 ok"). */
export function cmdFifo(ctx: SerctlContext, args: readonly string[]): Promise<number> {
  if (args.length === 0) throw new SerctlError("fifo needs a command: serctl fifo <command> [<parameter>...]; 'serctl fifo which' lists the commands", true);
  return ctx.fifoPrint(args[0]!, args.slice(1));
}
