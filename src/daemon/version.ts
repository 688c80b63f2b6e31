import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/**
 * The package root (where package.json and etc/ live): the nearest directory above this file
 * with a package.json, whether this file is src/daemon/, dist/src/daemon/ or the dist/bundle/.
 */
function packageRoot(): string {
  const start = path.dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) return path.resolve(start, '..', '..');
  }
}

export const PACKAGE_ROOT = packageRoot();

export const VERSION: string = (JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/** like SER's "(i386/linux)" */
export const ARCH_OS = `${process.arch}/${process.platform}`;
