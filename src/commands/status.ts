/** `dreamdb status [--drift]`: what the target has applied beside the files; exit 3 as a CI gate. */
import type { Command } from 'commander';
import type { Context } from '../context.js';
import { ExitCode } from '../errors.js';
import { action, EXIT_CODES, TARGET_HELP } from './action.js';

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('list applied, pending, changed and unknown migrations; exit 3 when any is pending or changed')
    .option(
      '--drift',
      'compare the live schema with its applied migrations replayed in a shadow; exit 3 when changed by hand',
    )
    .addHelpText('after', `${TARGET_HELP}\n${EXIT_CODES}`)
    .action(
      action(async (ctx, flags: { drift?: boolean }) => {
        if (flags.drift) return statusDrift(ctx);
        // The migrate area (ledgers, the linter and its parser) loads when status runs, not for --help.
        const { readMigrationStatus } = await import('../migrate/status.js');
        const { renderStatus } = await import('../migrate/render.js');
        const result = await readMigrationStatus(ctx);
        ctx.out.result(result, () => renderStatus(result));
        return result.needsAttention ? ExitCode.checkFailed : ExitCode.ok;
      }),
    );
}

/** Exit 3 with the diff when the target was changed by hand; quiet otherwise. */
async function statusDrift(ctx: Context): Promise<number> {
  const { checkDrift } = await import('../diff/drift.js'); // the diff engine loads on use
  const { driftJson, renderDrift } = await import('../diff/render.js');
  const result = await checkDrift(ctx);
  if (result.drifted || ctx.out.json) ctx.out.result(driftJson(result), () => renderDrift(result));
  else ctx.out.info(`No drift: ${result.target} matches its ${result.replayed.length} applied migration(s).`);
  return result.drifted ? ExitCode.checkFailed : ExitCode.ok;
}
