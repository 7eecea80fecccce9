/**
 * `dreamdb storage sync | list`: flags, one call into src/storage/, the rendered result.
 * Plan → show → confirm → apply; undeclared buckets are only removed with --prune, confirmed.
 */
import { Option, type Command } from 'commander';
import { action, EXIT_CODES, TARGET_HELP } from './action.js';

export function registerStorage(program: Command): void {
  const storage = program
    .command('storage')
    .description("the app's storage buckets: sync them with their declarations, list them");
  const via = new Option(
    '--via <path>',
    'sql (storage.buckets on the target database) or api (Supabase Storage API); default: api when storage.projectUrl is set',
  ).choices(['sql', 'api']);
  storage
    .command('sync')
    .description('create or update the declared buckets (sql/storage/buckets.json); --prune deletes undeclared ones')
    .option('--dry-run', 'show the plan and change nothing')
    .option('--prune', 'also delete buckets that are not declared (empty ones only; asks first)')
    .addOption(via)
    .addHelpText(
      'after',
      `${TARGET_HELP}
Declarations: storage.buckets in the config, else storage.bucketsFile, else sql/storage/buckets.json.
Through SQL, all changes run in one transaction. Through the API (storage.projectUrl set), the
service-role key comes from the environment variable storage.serviceKeyEnv
(default SUPABASE_SERVICE_ROLE_KEY), never from the config. --prune asks before deleting
(--yes to skip; without a terminal it exits 2) and never deletes a bucket that holds objects.
Production targets ask for typed confirmation.
${EXIT_CODES}`,
    )
    .action(
      action(async (ctx, opts: { dryRun?: boolean; prune?: boolean; via?: 'sql' | 'api' }) => {
        // The storage area (declarations in zod, the driver) loads when storage runs, not for --help.
        const { renderSync, storageSync } = await import('../storage/index.js');
        const result = await storageSync(ctx, { dryRun: opts.dryRun, prune: opts.prune, via: opts.via });
        ctx.out.result(result, () => renderSync(result));
      }),
    );
  storage
    .command('list')
    .description('buckets with their limits and object counts, and the policies on storage.objects')
    .addOption(new Option('--via <path>', 'sql or api (see storage sync --help)').choices(['sql', 'api']))
    .addHelpText('after', `${TARGET_HELP}\n${EXIT_CODES}`)
    .action(
      action(async (ctx, opts: { via?: 'sql' | 'api' }) => {
        const { renderList, storageList } = await import('../storage/index.js');
        const result = await storageList(ctx, { via: opts.via });
        ctx.out.result(result, () => renderList(result));
      }),
    );
}
