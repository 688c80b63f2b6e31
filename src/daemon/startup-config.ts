import { existsSync } from 'node:fs';
import path from 'node:path';
import { MODULES } from '../modules/registry.js';
import { defaultCoreConfig, type CoreConfig } from '../script/core-config.js';
import { parseListen } from '../script/core-options.js';
import { ConfigErrors, loadConfig, loadConfigFile, type LoadedConfig } from '../script/load-config.js';
import { facilityCode, StderrSink, SyslogSink, type LogSink } from '../util/logger.js';
import type { CommandLine } from './argv.js';
import { PACKAGE_ROOT } from './version.js';

// From the command line to a checked configuration, shared by the main process and workers.

export function errOut(s: string): void {
  process.stderr.write(s.endsWith('\n') ? s : s + '\n');
}

/** Every error of a config, like a compiler, then how many there were. */
export function printConfigErrors(e: ConfigErrors, file: string): void {
  errOut(e.format());
  errOut(`ser: ${e.errors.length} error${e.errors.length > 1 ? 's' : ''} in ${file}`);
}

/** The config file: -f, else ./ser.cfg, else the one shipped in etc/. */
export function configPath(cl: CommandLine): string {
  if (cl.configFile) return cl.configFile;
  if (existsSync('ser.cfg')) return 'ser.cfg';
  return path.join(PACKAGE_ROOT, 'etc', 'ser.cfg');
}

/** Command-line values go in first; the config file's options override them (§6.3 note). */
export function baseConfig(cl: CommandLine): CoreConfig {
  const c = defaultCoreConfig();
  c.debug = cl.debug;
  if (cl.logStderr || cl.checkOnly) c.log_stderror = true;
  if (cl.children !== undefined) c.children = cl.children;
  if (cl.maxBuffer !== undefined) c.maxbuffer = cl.maxBuffer;
  if (cl.port !== undefined) c.port = cl.port;
  if (cl.pidFile) c.pid_file = cl.pidFile;
  if (cl.workDir) c.workdir = cl.workDir;
  if (cl.user) c.user = cl.user;
  if (cl.group) c.group = cl.group;
  if (cl.fifo) c.fifo = cl.fifo;
  c.dns = cl.dns;
  c.rev_dns = cl.revDns;
  c.check_via = cl.checkVia;
  return c;
}

/** -l addresses apply when the config file names none. */
export function applyCommandLineListen(cfg: CoreConfig, cl: CommandLine): string | undefined {
  if (cfg.listen.length || !cl.listen.length) return undefined;
  for (const l of cl.listen) {
    const spec = parseListen(l.addr);
    if (typeof spec === 'string') return `-l ${l.addr}: ${spec}`;
    spec.port ??= l.port ?? 5060;
    cfg.listen.push(spec);
  }
  return undefined;
}

export function makeLogSink(cfg: CoreConfig): { sink: LogSink; note?: string } {
  const stderr = new StderrSink();
  if (cfg.log_stderror) return { sink: stderr };
  if (!SyslogSink.available()) {
    return { sink: stderr, note: 'WARNING: no syslog socket (/dev/log) on this machine: logging to standard error instead' };
  }
  return { sink: new SyslogSink(facilityCode(cfg.log_facility) ?? 3, `ser[${process.pid}]`, stderr) };
}

/**
 * Load and check the config named by the command line (or, in a worker, the text the main
 * process already read); an exit code when it is not usable.
 */
export async function load(cl: CommandLine, quiet = false, text?: { file: string; source: string }): Promise<LoadedConfig | number> {
  const file = text?.file ?? configPath(cl);
  let loaded: LoadedConfig;
  try {
    loaded = text ? loadConfig(text.source, text.file, MODULES, baseConfig(cl)) : await loadConfigFile(file, MODULES, baseConfig(cl));
  } catch (e) {
    if (e instanceof ConfigErrors) {
      printConfigErrors(e, file);
      return 1;
    }
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR') {
      errOut(`ser: cannot read config file ${file}: ${code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
      return 1;
    }
    throw e;
  }
  const bad = applyCommandLineListen(loaded.core, cl);
  if (bad) {
    errOut(`ser: ${bad}`);
    return 2;
  }
  if (!quiet) for (const w of loaded.warnings) errOut(w.format(loaded.source));
  return loaded;
}
