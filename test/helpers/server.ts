import { SipServer } from '../../src/daemon/server.js';
import { MODULES } from '../../src/modules/registry.js';
import { defaultCoreConfig } from '../../src/script/core-config.js';
import { loadConfig } from '../../src/script/load-config.js';
import { Resolver, type ResolverOptions } from '../../src/sip/transport/resolver.js';
import { Logger, MemorySink } from '../../src/util/logger.js';
import { freePort } from './ports.js';

export interface TestServer {
  server: SipServer;
  port: number;
  log: MemorySink;
  stop(): Promise<void>;
  /** wait until a log line matching `re` appears */
  waitLog(re: RegExp, ms?: number): Promise<string | undefined>;
}

/**
 * Start a server in this process on real loopback sockets. `{port}` in the config text is
 * replaced by a free port; without a listen line, `listen=127.0.0.1` and `port={port}` are added.
 */
export async function startServer(cfgText: string, o: { debug?: number; resolver?: ResolverOptions; port?: number } = {}): Promise<TestServer> {
  const port = o.port ?? (await freePort());
  let text = cfgText.replaceAll('{port}', String(port));
  if (!/^\s*listen\s*=/m.test(text)) text = `listen=127.0.0.1\nport=${port}\n` + text;
  const base = defaultCoreConfig();
  base.auto_aliases = false;
  const loaded = loadConfig(text, 'test.cfg', MODULES, base);
  const sink = new MemorySink();
  const log = new Logger(sink, o.debug ?? loaded.core.debug);
  const resolver = new Resolver({ hostsFile: '', timeoutMs: 500, tries: 1, ...o.resolver });
  const server = new SipServer(loaded, { log, resolver });
  await server.start();
  return {
    server,
    port,
    log: sink,
    stop: () => server.stop(),
    async waitLog(re, ms = 2000) {
      const deadline = Date.now() + ms;
      for (;;) {
        const hit = sink.lines.find((l) => re.test(l));
        if (hit || Date.now() > deadline) return hit;
        await new Promise((r) => setTimeout(r, 10));
      }
    },
  };
}
