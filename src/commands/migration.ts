/** `dreamdb migration new | list | lint | repair`: the migration files and both ledgers. */
import type { Command } from 'commander';
import { ExitCode } from '../errors.js';
import type { LintMigrationsOptions } from '../migrate/lint.js';
import { wholeNumberFlag } from '../ui/flags.js';
import { action, collectList, EXIT_CODES, TARGET_HELP } from './action.js';

const LINT_HELP = `
Each finding: file:line:col, level, rule id, what happens to a live app, why, and the safe
alternative. Suppress one statement with a comment on it or on the line above, naming the rule
and a reason:   -- dreamdb:allow index-not-concurrent the table is created empty in this release
Suppressions are listed in the output. Without a target (--db, DATABASE_URL, config) no server
is started: what exists comes from the earlier migration files.
Exit codes: 0 clean, 3 findings at warn level or above, 2 usage or connection problem.`;

// Each action imports its part of the migrate and lint areas when it runs: they pull in the
// driver and the SQL parser, which --help and the other commands should not load.
export function registerMigration(program: Command): void {
  const migration = program.command('migration').description('create and list migration files');
  migration
    .command('new <name>')
    .description('create the next migration file with a UTC timestamp version')
    .option('--no-transaction', 'mark it "-- dreamdb:no-transaction" (for CREATE INDEX CONCURRENTLY and friends)')
    .action(
      action(async (ctx, name: string, flags: { transaction: boolean }) => {
        const { newMigration } = await import('../migrate/new.js');
        const result = await newMigration(ctx, name, { noTransaction: flags.transaction === false });
        ctx.out.result(result, () => `Created ${result.path}`);
      }),
    );

  migration
    .command('list')
    .description('show migration files beside what the target has applied')
    .action(
      action(async (ctx) => {
        const { readMigrationStatus } = await import('../migrate/status.js');
        const { renderStatus } = await import('../migrate/render.js');
        const result = await readMigrationStatus(ctx);
        ctx.out.result(result, () => renderStatus(result));
      }),
    );

  migration
    .command('lint [files...]')
    .description('lint migration files from the parse tree: locks, rewrites, RLS, grants (exit 3 on findings)')
    .option('--allow <rule>', 'accept a rule for this run (repeatable, or comma-separated)', collectList)
    .option('--sarif <file>', 'also write SARIF 2.1.0 (GitHub code scanning) to file')
    .option('--junit <file>', 'also write JUnit XML to file')
    .option('--trace', 'also apply the files to a scratch copy of the target and measure locks, rewrites and scans')
    .option(
      '--trace-rows <n>',
      'rows per table sampled into a rebuilt scratch copy (default 100000)',
      wholeNumberFlag('--trace-rows', { min: 0 }),
    )
    .option('--rules', 'list the rules and exit')
    .addHelpText('after', LINT_HELP)
    .action(
      action(async (ctx, files: string[], flags: LintMigrationsOptions & { rules?: boolean }) => {
        const { lintMigrations, renderRules } = await import('../migrate/lint.js');
        if (flags.rules) {
          const { RULES } = await import('../lint/rules/index.js');
          ctx.out.result(
            RULES.map(({ id, level, title, why, fix }) => ({ id, level, title, why, fix })),
            () => renderRules(),
          );
          return ExitCode.ok;
        }
        const { lintJson, renderLint } = await import('../lint/report.js');
        const { describeScratch, renderTrace } = await import('../lint/trace/index.js');
        const { report, trace } = await lintMigrations(ctx, files, flags);
        ctx.out.result({ ...lintJson(report), trace: trace ?? null }, () => [
          ...renderLint(report),
          ...(trace
            ? [
                '',
                `Measured on a scratch copy (${describeScratch(trace)}):`,
                ...renderTrace(trace).map((l) => `  ${l}`),
              ]
            : []),
        ]);
        return report.findings.length ? ExitCode.checkFailed : ExitCode.ok;
      }),
    );

  migration
    .command('repair <version...>')
    .description(
      "mark versions applied or reverted in both ledgers (dreamdb's and the Supabase CLI's), as `supabase migration repair`; runs no SQL of the files",
    )
    .requiredOption(
      '--status <status>',
      'applied (the file must exist; its checksum is recorded) or reverted (the rows are deleted)',
    )
    .addHelpText('after', `${TARGET_HELP}\n${EXIT_CODES}`)
    .action(
      action(async (ctx, versions: string[], flags: { status: string }) => {
        const { repairMigrations } = await import('../migrate/repair.js');
        const { renderRepair } = await import('../migrate/render.js');
        const result = await repairMigrations(ctx, versions, flags.status);
        ctx.out.result(result, () => renderRepair(result));
      }),
    );
}
