/**
 * The project root, found as git finds its repository: from the working directory upwards, the
 * nearest directory that is a dreamdb project. Run from a subdirectory, dreamdb then reads the
 * project's config, migrations and embedded server instead of making new ones where it stands.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

export const CONFIG_NAMES = ['dreamdb.config.json', 'dreamdb.config.ts'];

/** What makes a directory a dreamdb project root, in the order they are checked. */
export type RootMarker = 'config' | 'supabase' | 'migrations' | 'package.json';

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** A package.json that is dreamdb itself or depends on it. */
function namesDreamdb(file: string): boolean {
  try {
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    if (pkg.name === 'dreamdb') return true;
    return ['dependencies', 'devDependencies', 'optionalDependencies'].some((k) =>
      Object.hasOwn((pkg[k] as object | undefined) ?? {}, 'dreamdb'),
    );
  } catch {
    return false;
  }
}

export function rootMarker(dir: string): RootMarker | undefined {
  if (CONFIG_NAMES.some((n) => existsSync(path.join(dir, n)))) return 'config';
  if (existsSync(path.join(dir, 'supabase', 'config.toml'))) return 'supabase';
  if (isDirectory(path.join(dir, 'sql', 'migrations'))) return 'migrations';
  if (existsSync(path.join(dir, 'package.json')) && namesDreamdb(path.join(dir, 'package.json'))) return 'package.json';
  return undefined;
}

/**
 * The nearest directory from `start` upwards holding a dreamdb config, supabase/config.toml,
 * sql/migrations/ or a package.json naming dreamdb. The search never leaves a git repository (a
 * directory with .git is the last one looked at); when nothing is found, `start` itself.
 */
export function findProjectRoot(start: string): { root: string; marker?: RootMarker } {
  const from = path.resolve(start);
  for (let dir = from; ;) {
    const marker = rootMarker(dir);
    if (marker) return { root: dir, marker };
    const parent = path.dirname(dir);
    if (parent === dir || existsSync(path.join(dir, '.git'))) return { root: from };
    dir = parent;
  }
}
