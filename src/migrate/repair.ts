/** `dreamdb migration repair` on the command's target, confirmed on production. */
import { confirmProduction, migrateSettings, withTarget, type Context } from '../context.js';
import { CancelledError, UsageError } from '../errors.js';
import { repairLedgers, type RepairResult } from './ledgers.js';

/** `dreamdb migration repair <version...> --status applied|reverted`: both ledgers, no SQL of the files. */
export async function repairMigrations(
  ctx: Context,
  versions: string[],
  status: string | undefined,
): Promise<RepairResult & { target: string }> {
  if (status !== 'applied' && status !== 'reverted') {
    throw new UsageError(`--status must be applied or reverted${status ? `, not "${status}"` : ''}.`, {
      hint: 'dreamdb migration repair <version...> --status applied|reverted',
    });
  }
  const settings = migrateSettings(ctx);
  return withTarget(ctx, async (target) => {
    if (!(await confirmProduction(ctx, target, `Mark ${versions.join(', ')} ${status} in both migration ledgers`)))
      throw new CancelledError('Not confirmed; nothing was changed.');
    const result = await repairLedgers(target.url, {
      versions,
      status,
      dir: settings.dir,
      cwd: ctx.cwd,
      waitMs: settings.waitMs,
    });
    return { ...result, target: target.display };
  });
}
