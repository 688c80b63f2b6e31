import { parseListen } from '../script/core-options.js';

// SER's command line (admin guide §6.3), parsed getopt-style: flags may be grouped (-dddE),
// an option's value may follow directly (-p5061) or as the next word (-p 5061).

export interface CommandLine {
  configFile?: string;
  checkOnly: boolean;
  /** -l addresses in order, each with the -p port that applies to it (§6.3) */
  listen: { addr: string; port?: number; portGiven?: boolean }[];
  /** the last -p, for the interface list when no -l is given */
  port?: number;
  children?: number;
  foreground: number;
  logStderr: boolean;
  debug: number;
  version: boolean;
  help: boolean;
  pidFile?: string;
  workDir?: string;
  maxBuffer?: number;
  shmSize?: number;
  user?: string;
  group?: string;
  chroot?: string;
  fifo?: string;
  dns: boolean;
  revDns: boolean;
  checkVia: boolean;
}

export class UsageError extends Error {}

const WITH_VALUE = new Set(['f', 'l', 'p', 'n', 'P', 'w', 'b', 'm', 'u', 'g', 't', 'i']);
const FLAGS = new Set(['c', 'D', 'E', 'd', 'V', 'h', 'r', 'R', 'v']);

export function parseArgv(argv: readonly string[]): CommandLine {
  const cl: CommandLine = {
    checkOnly: false,
    listen: [],
    foreground: 0,
    logStderr: false,
    debug: 0,
    version: false,
    help: false,
    dns: false,
    revDns: false,
    checkVia: false,
  };
  let portSoFar: number | undefined;
  const intValue = (opt: string, v: string, min: number, max: number): number => {
    if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw new UsageError(`-${opt}: '${v}' is not a number between ${min} and ${max}`);
    return Number(v);
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help') {
      cl.help = true;
      continue;
    }
    if (arg === '--version') {
      cl.version = true;
      continue;
    }
    if (!arg.startsWith('-') || arg === '-') throw new UsageError(`unexpected argument '${arg}'`);
    for (let j = 1; j < arg.length; j++) {
      const o = arg[j]!;
      if (FLAGS.has(o)) {
        switch (o) {
          case 'c': cl.checkOnly = true; break;
          case 'D': cl.foreground++; break;
          case 'E': cl.logStderr = true; break;
          case 'd': cl.debug++; break;
          case 'V': cl.version = true; break;
          case 'h': cl.help = true; break;
          case 'r': cl.dns = true; break;
          case 'R': cl.revDns = true; break;
          case 'v': cl.checkVia = true; break;
        }
        continue;
      }
      if (!WITH_VALUE.has(o)) throw new UsageError(`unknown option -${o}`);
      let v = arg.slice(j + 1);
      if (v === '') {
        if (i + 1 >= argv.length) throw new UsageError(`option -${o} needs a value`);
        v = argv[++i]!;
      }
      switch (o) {
        case 'f': cl.configFile = v; break;
        case 'l': {
          // an address that names its port keeps it whatever -p follows
          const spec = parseListen(v);
          const own = typeof spec !== 'string' ? spec.port : undefined;
          cl.listen.push({ addr: v, port: own ?? portSoFar, portGiven: own !== undefined });
          break;
        }
        case 'p': {
          const p = intValue(o, v, 1, 65535);
          // "It applies to the last address specified with -l and to all the following that
          // do not have a corresponding -p."
          const last = cl.listen[cl.listen.length - 1];
          if (last && !last.portGiven) last.port = p;
          portSoFar = p;
          cl.port = p;
          break;
        }
        case 'n': cl.children = intValue(o, v, 1, 256); break;
        case 'P': cl.pidFile = v; break;
        case 'w': cl.workDir = v; break;
        case 'b': cl.maxBuffer = intValue(o, v, 0, 64 * 1024 * 1024); break;
        case 'm': cl.shmSize = intValue(o, v, 1, 1 << 20); break;
        case 'u': cl.user = v; break;
        case 'g': cl.group = v; break;
        case 't': cl.chroot = v; break;
        case 'i': cl.fifo = v; break;
      }
      break; // the rest of this word was the value
    }
  }
  return cl;
}

export const USAGE = `Usage: ser -l address [-p port] [-l address [-p port]...] [options]
Options:
    -f file      Configuration file (default ./ser.cfg, else the shipped etc/ser.cfg)
    -c           Check the configuration file and exit
    -p port      Listen on the specified port (default: 5060);
                 applies to the last address in -l and to all following that do not have a corresponding -p
    -l address   Listen on the specified address ([udp:|tcp:]address[:port]); several -l allowed
                 (default: all IPv4 interfaces)
    -n processes Number of children: accepted, no effect (one event loop; see the workers option)
    -r           Use dns to check if it is necessary to add a "received=" field to a via (accepted, no effect)
    -R           Same as -r but use reverse dns (accepted, no effect)
    -v           Turn on via host checking when forwarding replies (always on)
    -d           Debugging mode (multiple -d increase the level)
    -D           Do not fork into daemon mode (stay in the foreground)
    -E           Log to stderr
    -V           Version number
    -h           This help message
    -b nr        Maximum receive buffer size which will not be exceeded by auto-probing
    -m nr        Size of shared memory in Mb (accepted, no effect)
    -w dir       Change the working directory to "dir"
    -t dir       Chroot to "dir" (not supported by Node.js: refused)
    -u uid       Change uid (when started as root)
    -g gid       Change gid (when started as root)
    -P file      Create a pid file
    -i fifo_path Create a fifo (management interface, as fifo=)
`;
