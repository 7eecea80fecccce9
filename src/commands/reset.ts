/** `dreamdb db reset`: drop and rebuild the database to a version, then seed it. */
import type { Command } from 'commander';
import { action, EXIT_CODES, TARGET_HELP } from './action.js';

export function registerDbReset(db: Command): void {
  db.command('reset')
    .description('drop the target database, rebuild it from the migrations (to --to <version>), then seed the fixtures')
    .option('--to <version>', "stop after this migration version (default: all; `--version` is the program's own flag)")
    .option('--no-seed', 'leave it empty after migrating')
    .addHelpText(
      'after',
      `${TARGET_HELP}
The embedded default is reset without a question. Any other target asks first (or needs --yes;
without a terminal it exits 2); a target labelled production is refused (exit 2).
${EXIT_CODES}`,
    )
    .action(
      action(async (ctx, opts: { to?: string; seed: boolean }) => {
        // Reset migrates and seeds: those areas load when it runs, not for --help.
        const { resetDatabase } = await import('../diff/reset.js');
        const { renderSeed } = await import('../seed/report.js');
        const reset = await resetDatabase(ctx, { version: opts.to, seed: opts.seed });
        const { seeded } = reset;
        ctx.out.result(reset, () => [
          `Reset ${reset.target}: ${reset.applied.length} migration(s) applied${opts.to ? ` (up to ${opts.to})` : ''}.`,
          ...(seeded ? renderSeed(seeded) : ['Not seeded (--no-seed).']),
        ]);
      }),
    );
}
