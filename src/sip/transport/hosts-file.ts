// A small hosts(5) reader for the resolver. We never call dns.lookup()/getaddrinfo (it runs on
// libuv's four-thread pool and one slow lookup stalls file and crypto work behind it), so the
// hosts file that getaddrinfo would have consulted is read here, asynchronously.

import { stat, readFile } from 'node:fs/promises';
import { ipFamily, normalizeIp } from '../../util/ip.js';

export interface HostsEntry {
  /** IPv4 addresses in file order, canonical text, no duplicates */
  v4: string[];
  /** IPv6 addresses in file order, canonical text, no duplicates */
  v6: string[];
}

export interface HostsTable {
  /** lower-case name (no trailing dot) -> addresses */
  byName: Map<string, HostsEntry>;
  /** canonical address -> names in file order (the first is the canonical name) */
  byAddr: Map<string, string[]>;
}

export function emptyHostsTable(): HostsTable {
  return { byName: new Map(), byAddr: new Map() };
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 13 || c === 11 || c === 12;
}

/**
 * hosts(5): one line per address, 'address name [aliases...]', '#' starts a comment anywhere on
 * a line, fields separated by blanks. Lines whose first field is not an IP literal (or carries
 * a zone id, unsupported) are skipped, like glibc does. Names are case-insensitive (RFC 4343).
 */
export function parseHosts(text: string): HostsTable {
  const table = emptyHostsTable();
  for (let line of text.split('\n')) {
    const hash = line.indexOf('#');
    if (hash >= 0) line = line.slice(0, hash);
    const fields: string[] = [];
    let i = 0;
    while (i < line.length) {
      while (i < line.length && isSpace(line.charCodeAt(i))) i++;
      const start = i;
      while (i < line.length && !isSpace(line.charCodeAt(i))) i++;
      if (i > start) fields.push(line.slice(start, i));
    }
    if (fields.length < 2) continue;
    const family = ipFamily(fields[0]!);
    if (family === 0) continue;
    const addr = normalizeIp(fields[0]!)!;
    for (let k = 1; k < fields.length; k++) {
      let name = fields[k]!.toLowerCase();
      if (name.endsWith('.')) name = name.slice(0, -1);
      if (name === '') continue;
      let entry = table.byName.get(name);
      if (!entry) table.byName.set(name, (entry = { v4: [], v6: [] }));
      const list = family === 4 ? entry.v4 : entry.v6;
      if (!list.includes(addr)) list.push(addr);
      let names = table.byAddr.get(addr);
      if (!names) table.byAddr.set(addr, (names = []));
      if (!names.includes(name)) names.push(name);
    }
  }
  return table;
}

/**
 * The hosts file, re-read when it changes. The file is stat()ed at most once per
 * checkIntervalMs (by the injected clock), and re-read only when its mtime, size or inode
 * differ, so the per-message cost is a clock read. A missing or unreadable file is an empty
 * table (and is looked for again on the next check).
 */
export class HostsFile {
  private table: HostsTable = emptyHostsTable();
  private lastCheck = Number.NEGATIVE_INFINITY;
  private signature = '';
  private refreshing: Promise<HostsTable> | undefined;

  constructor(
    readonly path: string,
    private readonly now: () => number = Date.now,
    private readonly checkIntervalMs = 1000,
  ) {}

  /** The current table; may first stat/re-read the file. Never rejects. */
  get(): Promise<HostsTable> {
    if (this.path === '') return Promise.resolve(this.table);
    const now = this.now();
    if (now - this.lastCheck < this.checkIntervalMs) return Promise.resolve(this.table);
    // Concurrent callers share one stat/read.
    if (!this.refreshing) {
      this.refreshing = this.refresh(now).finally(() => {
        this.refreshing = undefined;
      });
    }
    return this.refreshing;
  }

  /** Drop what was read so that the next get() reads the file again. */
  invalidate(): void {
    this.lastCheck = Number.NEGATIVE_INFINITY;
    this.signature = '';
  }

  private async refresh(now: number): Promise<HostsTable> {
    this.lastCheck = now;
    try {
      const st = await stat(this.path);
      const sig = `${st.mtimeMs}/${st.size}/${st.ino}`;
      if (sig !== this.signature) {
        const text = await readFile(this.path, 'utf8');
        this.table = parseHosts(text);
        this.signature = sig;
      }
    } catch {
      this.table = emptyHostsTable();
      this.signature = '';
    }
    return this.table;
  }

  async lookup(name: string): Promise<HostsEntry | undefined> {
    return (await this.get()).byName.get(name);
  }

  async reverse(ip: string): Promise<string[] | undefined> {
    return (await this.get()).byAddr.get(ip);
  }
}
