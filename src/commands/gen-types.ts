/**
 * `dreamdb gen types`: the TypeScript module the Expo app passes to createClient<Database>(),
 * typed by what the client role may really do; `--check <file>` is the CI gate (exit 3 when the
 * committed file is stale).
 */
import fs from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Option, type Command } from 'commander';
import type { Context } from '../context.js';
import { ExitCode, UsageError } from '../errors.js';
import { packageRoot } from '../paths.js';
import { diffLines, type DiffSummary } from '../typegen/diff.js';
import type { Counts, GenerateOptions } from '../typegen/generate.js';
import { writeAtomically } from '../typegen/write.js';
import { style } from '../ui/output.js';
import { action, EXIT_CODES, TARGET_HELP } from './action.js';

export type { Counts } from '../typegen/generate.js';

export interface GenTypesFlags {
  out?: string;
  schema?: string[];
}

export interface TypesSettings extends GenerateOptions {
  /** Absolute path, or undefined for stdout. */
  out: string | undefined;
}

export interface GenTypesResult {
  target: string;
  /** Where the module was written; null when it went to stdout. */
  file: string | null;
  bytes: number;
  client: Counts;
  server: Counts;
  /** Named types for JSON that functions return (e.g. DashboardSummary). */
  jsonTypes: string[];
  text: string;
}

export interface CheckTypesResult {
  target: string;
  file: string;
  upToDate: boolean;
  diff: DiffSummary;
}

/** Flags, then the config's `types` section, then defaults: resolved in this one place. */
export function typesSettings(ctx: Context, flags: GenTypesFlags = {}): TypesSettings {
  const config = ctx.config.types ?? {};
  const schemas = flags.schema?.length ? flags.schema : (config.schemas ?? ['public']);
  for (const s of schemas) {
    if (!/^[A-Za-z_][A-Za-z0-9_$]*$/.test(s))
      throw new UsageError(`"${s}" is not a schema name.`, {
        hint: 'Pass --schema public (repeat or comma-separate for several).',
      });
  }
  const out = flags.out ?? config.out;
  return {
    schemas: [...new Set(schemas)],
    clientRole: config.clientRole ?? 'authenticated',
    serverRole: config.serverRole ?? 'service_role',
    postgrestVersion: config.postgrestVersion ?? '12',
    jsonTypes: config.json ?? {},
    version: dreamdbVersion(),
    out: out ? path.resolve(ctx.cwd, out) : undefined,
  };
}

let cachedVersion: string | undefined;
function dreamdbVersion(): string {
  cachedVersion ??= (JSON.parse(readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as { version: string })
    .version;
  return cachedVersion;
}

async function generateFor(ctx: Context, settings: TypesSettings) {
  // The generator (the SQL parser among it) and the driver load when types are generated, not for --help.
  const { withTarget } = await import('../context.js');
  const { withDb } = await import('../db/connect.js');
  const { generateTypes } = await import('../typegen/generate.js');
  return withTarget(ctx, (target) =>
    withDb(target.url, async (sql) => ({ target: target.display, ...(await generateTypes(sql, settings)) })),
  );
}

export async function genTypes(ctx: Context, flags: GenTypesFlags = {}): Promise<GenTypesResult> {
  const settings = typesSettings(ctx, flags);
  const { target, text, model } = await generateFor(ctx, settings);
  const { countTypes } = await import('../typegen/generate.js');
  if (settings.out) await writeAtomically(settings.out, text);
  return {
    target,
    file: settings.out ? shownPath(ctx, settings.out) : null,
    bytes: Buffer.byteLength(text),
    ...countTypes(model),
    jsonTypes: model.named.map((n) => n.name),
    text,
  };
}

export async function checkTypes(
  ctx: Context,
  file: string,
  flags: Omit<GenTypesFlags, 'out'> = {},
): Promise<CheckTypesResult> {
  const settings = typesSettings(ctx, flags);
  const absolute = path.resolve(ctx.cwd, file);
  const shown = shownPath(ctx, absolute);
  let committed: string;
  try {
    committed = await fs.readFile(absolute, 'utf8');
  } catch {
    throw new UsageError(`Cannot read ${shown}.`, { hint: `Generate it first: dreamdb gen types --out ${shown}` });
  }
  const { target, text } = await generateFor(ctx, settings);
  const upToDate = committed.replace(/\r\n/g, '\n') === text;
  return { target, file: shown, upToDate, diff: diffLines(committed, text) };
}

/** Relative to the working directory when inside it, else absolute. */
function shownPath(ctx: Context, absolute: string): string {
  const relative = path.relative(ctx.cwd, absolute);
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : absolute;
}

export function renderGenTypes(result: GenTypesResult): string[] {
  const c = result.client;
  const s = result.server;
  return [
    `Wrote ${result.file} from ${result.target}:`,
    `  Database (client): ${c.tables} tables, ${c.views} views, ${c.functions} functions`,
    `  ServiceDatabase (server): ${s.tables} tables, ${s.views} views, ${s.functions} functions`,
    ...(result.jsonTypes.length ? [`  JSON types: ${result.jsonTypes.join(', ')}`] : []),
  ];
}

export function renderCheck(result: CheckTypesResult): string[] {
  if (result.upToDate) return [`${result.file} is up to date with ${result.target}.`];
  const { diff } = result;
  const lines = [
    style.red(
      `${result.file} is stale: ${diff.removed} line(s) would go, ${diff.added} would come (- in the file, + generated):`,
    ),
    ...diff.lines.map((l) => {
      const text = `  ${l.sign} ${String(l.line).padStart(5)}  ${l.where ? `${l.where}: ` : ''}${l.text.trim()}`;
      return l.sign === '-' ? style.red(text) : style.green(text);
    }),
  ];
  if (diff.more) lines.push(style.dim(`  ... and ${diff.more} more changed line(s)`));
  lines.push(`Run \`dreamdb gen types --out ${result.file}\` and commit it.`);
  return lines;
}

function collectSchemas(value: string, previous: string[] | undefined): string[] {
  return [
    ...(previous ?? []),
    ...value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  ];
}

export function registerGenTypes(program: Command): void {
  const gen =
    program.commands.find((c) => c.name() === 'gen') ??
    program.command('gen').description('generate code from the live schema');
  gen
    .command('types')
    .description(
      'write the TypeScript types for supabase-js (createClient<Database>), typed by what the app may really do',
    )
    .option('--out <file>', 'write the module here (default: types.out in the config, else stdout)')
    .addOption(
      new Option('--schema <name>', 'schema to generate; repeat or comma-separate (default: public)').argParser(
        collectSchemas,
      ),
    )
    .option(
      '--check [file]',
      'compare the file (default: types.out) with what the schema generates; exit 3 when it differs (for CI)',
    )
    .addHelpText(
      'after',
      `
Database is what the client role (authenticated) may do: only the columns it may read in Row and
write in Insert/Update (column privileges), \`never\` for commands no RLS policy allows, no tables
or functions it cannot touch. ServiceDatabase is what service_role may do, for server code.
CHECK (col IN (...)) columns become string unions; JSON built by SQL functions gets a declared
type (get_dashboard_summary → DashboardSummary). Partitions and internal schemas never appear.
The output is deterministic (no timestamp), so --check is stable.

Config (dreamdb.config.json, "types"): out, schemas, clientRole, serverRole, postgrestVersion,
json ({"public.fn": "MyType", "public.table.column": "string[]"}).
${TARGET_HELP}
${EXIT_CODES}`,
    )
    .action(
      action(async (ctx, opts: { out?: string; schema?: string[]; check?: string | true }) => {
        if (opts.check !== undefined) {
          if (opts.out)
            throw new UsageError('--check and --out do not go together.', {
              hint: 'Use --check <file> in CI, --out <file> to write it.',
            });
          const file = opts.check === true ? ctx.config.types?.out : opts.check;
          if (!file)
            throw new UsageError('--check needs a file.', {
              hint: 'Pass --check src/types/database.ts, or set types.out in dreamdb.config.json.',
            });
          const result = await checkTypes(ctx, file, { ...(opts.schema ? { schema: opts.schema } : {}) });
          ctx.out.result(
            {
              ok: result.upToDate,
              file: result.file,
              target: result.target,
              upToDate: result.upToDate,
              diff: result.diff,
            },
            () => renderCheck(result),
          );
          return result.upToDate ? ExitCode.ok : ExitCode.checkFailed;
        }
        const result = await genTypes(ctx, {
          ...(opts.out ? { out: opts.out } : {}),
          ...(opts.schema ? { schema: opts.schema } : {}),
        });
        const { text, ...summary } = result;
        if (result.file) ctx.out.result(summary, () => renderGenTypes(result));
        else ctx.out.result({ ...summary, module: text }, () => text.replace(/\n$/, ''));
        return ExitCode.ok;
      }),
    );
}
