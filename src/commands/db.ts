/** `dreamdb db start | stop | status | url`: the embedded default server. */
import { embeddedDir, type Context } from '../context.js';
import { startPersistent, status as embeddedStatus, stopPersistent, type EmbeddedStatus } from '../db/embedded.js';
import { DreamdbError } from '../errors.js';

export async function dbStart(ctx: Context): Promise<EmbeddedStatus> {
  return startPersistent(embeddedDir(ctx));
}

export async function dbStop(ctx: Context): Promise<EmbeddedStatus> {
  return stopPersistent(embeddedDir(ctx));
}

export async function dbStatus(ctx: Context): Promise<EmbeddedStatus> {
  return embeddedStatus(embeddedDir(ctx));
}

export async function dbUrl(ctx: Context): Promise<string> {
  const s = await embeddedStatus(embeddedDir(ctx));
  if (!s.running || !s.url) {
    throw new DreamdbError('The embedded server is not running.', { exitCode: 1, hint: 'Start it with `dreamdb db start`, then ask again.' });
  }
  return s.url;
}

export function renderDbStatus(s: EmbeddedStatus): string[] {
  if (!s.initialised) return [`Embedded server: not created yet (${s.dataDir}); the first command that needs it creates it.`];
  if (!s.running) return [`Embedded server: stopped (${s.dataDir}).`];
  return [
    `Embedded server: running (${s.mode === 'persistent' ? 'kept up by `dreamdb db start`' : 'started on demand by a running command'})`,
    `  url:  ${s.url}`,
    `  pid:  ${s.pid}`,
    `  data: ${s.dataDir}`,
  ];
}
