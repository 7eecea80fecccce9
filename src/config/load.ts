/** Finding, reading and validating the config file: every problem reported at once. */
import fs from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { UsageError } from '../errors.js';
import { configSchema, deprecatedKeysIn, type Config } from './schema.js';
import { formatZodIssues } from './values.js';

import { CONFIG_NAMES } from './root.js';

export { CONFIG_NAMES };

export interface LoadedConfig {
  config: Config;
  /** Absolute path of the file read, if any. */
  path?: string;
  /** One line per renamed key the file still uses. */
  deprecations: string[];
}

/** `--config` resolves from the working directory; without it the file is looked for in the project root. */
export async function loadConfig(cwd: string, explicit?: string, root = cwd): Promise<LoadedConfig> {
  const file = explicit
    ? path.resolve(cwd, explicit)
    : CONFIG_NAMES.map((n) => path.join(root, n)).find((p) => existsSync(p));
  if (!file) return { config: configSchema.parse({}), deprecations: [] };
  const shown = path.relative(cwd, file) || file;
  let raw: unknown;
  if (file.endsWith('.ts') || file.endsWith('.mts') || file.endsWith('.js') || file.endsWith('.mjs')) {
    raw = await importConfig(file, shown);
  } else {
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch {
      throw new UsageError(`Cannot read config file ${shown}.`, { hint: 'Check the path given to --config.' });
    }
    try {
      // A UTF-8 byte order mark (Windows editors) is not JSON.
      raw = JSON.parse(text.replace(/^\uFEFF/, ''));
    } catch (error) {
      throw new UsageError(`${shown} is not valid JSON: ${(error as Error).message}`, {
        hint: 'Fix the syntax; JSON allows no comments or trailing commas.',
      });
    }
  }
  return {
    config: validateConfig(raw, shown),
    path: file,
    deprecations: deprecatedKeysIn(raw).map((d) => `${shown}: ${d}`),
  };
}

async function importConfig(file: string, shown: string): Promise<unknown> {
  if (!existsSync(file))
    throw new UsageError(`Cannot read config file ${shown}.`, { hint: 'Check the path given to --config.' });
  try {
    if (file.endsWith('.ts') || file.endsWith('.mts')) {
      const { tsImport } = await import('tsx/esm/api');
      const mod = (await tsImport(pathToFileURL(file).href, import.meta.url)) as { default?: unknown };
      return unwrapDefault(mod, shown);
    }
    return unwrapDefault((await import(pathToFileURL(file).href)) as { default?: unknown }, shown);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`Cannot load ${shown}: ${(error as Error).message.split('\n')[0]}`, {
      hint: 'The file must `export default { ... }` a config object.',
    });
  }
}

function unwrapDefault(mod: { default?: unknown }, shown?: string): unknown {
  const names = Object.keys(mod).filter((k) => k !== 'default');
  // Some loaders synthesize a default from the named exports (an object of getters): not a default.
  const d = mod.default as Record<string, unknown> | undefined;
  const synthesized =
    Boolean(d) &&
    typeof d === 'object' &&
    names.length > 0 &&
    Object.keys(d!).length === names.length &&
    names.every((k) => typeof Object.getOwnPropertyDescriptor(d, k)?.get === 'function');
  if (mod.default === undefined || synthesized) {
    throw new UsageError(
      `${shown ?? 'The config file'} has no default export${names.length ? ` (only named exports: ${names.join(', ')})` : ''}.`,
      {
        hint: `Export the config object as the default: \`export default { ... }\`${names.length === 1 ? ` (e.g. \`export default ${names[0]}\`)` : ''}.`,
      },
    );
  }
  let value: unknown = mod.default;
  // tsx may wrap a default export once more.
  if (value && typeof value === 'object' && 'default' in value && Object.keys(value).length === 1)
    value = (value as { default: unknown }).default;
  return value;
}

export function validateConfig(raw: unknown, shown: string): Config {
  const parsed = configSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const problems = formatZodIssues(parsed.error.issues);
  throw new UsageError(
    `${shown} has ${problems.length} problem${problems.length === 1 ? '' : 's'}: ${problems.join('; ')}`,
    {
      details: problems,
      hint: 'Fix these keys; see "Configuration" in the README for every key.',
    },
  );
}
