/** `migrate --dry-run --trace` / `migration lint --trace`: the pending files measured on a scratch copy. */
import { embeddedDir, migrateSettings, type Context } from '../../context.js';
import { acquire } from '../../db/embedded.js';
import type { LintFile } from '../model.js';
import { withScratchCopy, type Scratch, type ScratchOptions } from './scratch.js';
import { traceFiles, type TraceReport } from './trace.js';

export interface TraceResult extends TraceReport {
  scratch: Omit<Scratch, 'url'>;
}

export const DEFAULT_TRACE_ROWS = 100_000;

export async function traceMigrations(
  targetUrl: string,
  pending: readonly LintFile[],
  options: ScratchOptions,
): Promise<TraceResult> {
  return withScratchCopy(targetUrl, options, async ({ url, ...scratch }) => ({
    scratch,
    ...(await traceFiles(url, pending)),
  }));
}

export { renderTrace } from './trace.js';

export function describeScratch(t: TraceResult): string {
  const where = t.scratch.server === 'embedded' ? 'on the embedded server' : "on the target's server";
  return t.scratch.method === 'template'
    ? `CREATE DATABASE ... TEMPLATE, ${where}; dropped`
    : `rebuilt from the applied migrations ${where} with ${t.scratch.copiedRows} sampled rows; dropped`;
}

/** The measured trace of the pending files (migrate --dry-run --trace, migration lint --trace). */
export function traceOnScratch(
  ctx: Context,
  url: string,
  files: readonly LintFile[],
  appliedTo: string | undefined,
  rows = DEFAULT_TRACE_ROWS,
): Promise<TraceResult> {
  return ctx.out.task('Tracing the pending files on a scratch copy', (progress) =>
    traceMigrations(url, files, {
      rows,
      appliedTo,
      settings: migrateSettings(ctx),
      cwd: ctx.cwd,
      fallbackServer: () => acquire(embeddedDir(ctx)),
      onProgress: progress.update,
    }),
  );
}
