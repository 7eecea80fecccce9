/** `dreamdb db start | stop | status | url`: the embedded default server (diff and reset register under it too). */
import type { Command } from 'commander';
import type { Context } from '../context.js';
import type { EmbeddedPaths, EmbeddedStatus } from '../db/embedded.js';
import { DreamdbError } from '../errors.js';
import { action } from './action.js';

/** The embedded server module and this project's server, imported when a db command runs (not for --help). */
async function server(ctx: Context): Promise<{ embedded: typeof import('../db/embedded.js'); paths: EmbeddedPaths }> {
  const { embeddedDir } = await import('../context.js');
  return { embedded: await import('../db/embedded.js'), paths: embeddedDir(ctx) };
}

/** Registers `db` and its server subcommands; returns it for `db diff` and `db reset`. */
export function registerDb(program: Command): Command {
  const db = program.command('db').description('manage the embedded PostgreSQL server in .dreamdb/');
  const show = (s: EmbeddedStatus, ctx: Context) => ctx.out.result(s, () => renderDbStatus(s));
  db.command('start')
    .description('start the embedded server and keep it running after the command')
    .action(
      action(async (ctx) => {
        const { embedded, paths } = await server(ctx);
        show(await embedded.startPersistent(paths), ctx);
      }),
    );
  db.command('stop')
    .description('stop the embedded server')
    .action(
      action(async (ctx) => {
        const { embedded, paths } = await server(ctx);
        show(await embedded.stopPersistent(paths), ctx);
      }),
    );
  db.command('status')
    .description('show whether the embedded server is running, and where')
    .action(
      action(async (ctx) => {
        const { embedded, paths } = await server(ctx);
        show(await embedded.status(paths), ctx);
      }),
    );
  db.command('url')
    .description("print the embedded server's connection string (for psql or an app) while it runs")
    .action(
      action(async (ctx) => {
        const url = await runningUrl(ctx);
        ctx.out.result({ url }, () => url);
      }),
    );
  return db;
}

async function runningUrl(ctx: Context): Promise<string> {
  const { embedded, paths } = await server(ctx);
  const s = await embedded.status(paths);
  if (!s.running || !s.url) {
    throw new DreamdbError('The embedded server is not running.', {
      exitCode: 1,
      hint: 'Start it with `dreamdb db start`, then ask again.',
    });
  }
  return s.url;
}

function renderDbStatus(s: EmbeddedStatus): string[] {
  if (!s.initialised)
    return [`Embedded server: not created yet (${s.dataDir}); the first command that needs it creates it.`];
  if (!s.running) return [`Embedded server: stopped (${s.dataDir}).`];
  return [
    `Embedded server: running (${s.mode === 'persistent' ? 'kept up by `dreamdb db start`' : 'started on demand by a running command'})`,
    `  url:  ${s.url}`,
    `  pid:  ${s.pid}`,
    `  data: ${s.dataDir}`,
  ];
}
