/** The project root is found from a subdirectory, as git finds its repository (src/config/root.ts). */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findProjectRoot } from '../../src/config/root.js';
import { createContext, embeddedDir, migrateSettings, projectPath } from '../../src/context.js';
import { createOutput } from '../../src/ui/output.js';
import { UsageError } from '../../src/errors.js';

let top: string;
beforeEach(async () => {
  top = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'dreamdb-root-')));
  // A repository boundary, so nothing above the temporary directory is looked at.
  await fs.mkdir(path.join(top, '.git'));
});
afterEach(async () => fs.rm(top, { recursive: true, force: true }));

async function tree(files: Record<string, string | null>): Promise<void> {
  for (const [file, content] of Object.entries(files)) {
    const full = path.join(top, file);
    if (content === null) await fs.mkdir(full, { recursive: true });
    else {
      await fs.mkdir(path.dirname(full), { recursive: true });
      await fs.writeFile(full, content);
    }
  }
}

describe('findProjectRoot', () => {
  it('finds the nearest directory with a marker, whichever it is', async () => {
    await tree({
      'a/dreamdb.config.json': '{}',
      'b/supabase/config.toml': '',
      'c/sql/migrations': null,
      'd/package.json': '{"devDependencies":{"dreamdb":"^0.1.0"}}',
      'a/src/deep': null,
      'b/x': null,
      'c/y/z': null,
      'd/w': null,
    });
    expect(findProjectRoot(path.join(top, 'a/src/deep'))).toEqual({ root: path.join(top, 'a'), marker: 'config' });
    expect(findProjectRoot(path.join(top, 'b/x'))).toEqual({ root: path.join(top, 'b'), marker: 'supabase' });
    expect(findProjectRoot(path.join(top, 'c/y/z'))).toEqual({ root: path.join(top, 'c'), marker: 'migrations' });
    expect(findProjectRoot(path.join(top, 'd/w'))).toEqual({ root: path.join(top, 'd'), marker: 'package.json' });
    expect(findProjectRoot(path.join(top, 'c'))).toEqual({ root: path.join(top, 'c'), marker: 'migrations' });
  });

  it('takes the nearest one when projects nest', async () => {
    await tree({ 'sql/migrations': null, 'packages/app/dreamdb.config.json': '{}', 'packages/app/src': null });
    expect(findProjectRoot(path.join(top, 'packages/app/src')).root).toBe(path.join(top, 'packages/app'));
    expect(findProjectRoot(path.join(top, 'packages')).root).toBe(top);
  });

  it('ignores a package.json that does not name dreamdb, a file called sql/migrations, and a stray .dreamdb', async () => {
    await tree({
      'p/package.json': '{"name":"other","dependencies":{"postgres":"^3"}}',
      'p/sql/migrations': 'not a directory',
      'p/src/.dreamdb': null,
      'p/src/q': null,
      'bad/package.json': '{ not json',
    });
    expect(findProjectRoot(path.join(top, 'p/src/q'))).toEqual({ root: path.join(top, 'p/src/q') });
    expect(findProjectRoot(path.join(top, 'bad'))).toEqual({ root: path.join(top, 'bad') });
  });

  it('does not look above the repository, and falls back to where it started', async () => {
    await tree({ 'sql/migrations': null, 'vendor/lib/.git': null, 'vendor/lib/src': null });
    // vendor/lib is its own repository: the outer project's sql/migrations is not its root.
    expect(findProjectRoot(path.join(top, 'vendor/lib/src'))).toEqual({ root: path.join(top, 'vendor/lib/src') });
  });
});

const quiet = () => createOutput({ interactive: false, stdout: sink(), stderr: sink() });

describe('a command run from a subdirectory', () => {
  it("reads the root's config, migrations and embedded server, and resolves --config from where it runs", async () => {
    await tree({
      'dreamdb.config.json': JSON.stringify({ migrations: { dir: 'db/migrations' }, embedded: { dir: '.pg' } }),
      'db/migrations': null,
      'src/lib': null,
      'other.json': '{"migrations":{"dir":"m"}}',
    });
    const ctx = await createContext({}, { cwd: path.join(top, 'src/lib'), out: quiet(), env: {} });
    expect(ctx.root).toBe(top);
    expect(ctx.configPath).toBe(path.join(top, 'dreamdb.config.json'));
    expect(migrateSettings(ctx).dir).toBe(path.join('..', '..', 'db', 'migrations'));
    expect(path.resolve(ctx.cwd, migrateSettings(ctx).dir)).toBe(path.join(top, 'db/migrations'));
    expect(embeddedDir(ctx).root).toBe(path.join(top, '.pg'));
    expect(projectPath(ctx, 'fixtures/seed')).toBe(path.join(top, 'fixtures/seed'));
    const explicit = await createContext(
      { config: '../../other.json' },
      { cwd: path.join(top, 'src/lib'), out: quiet(), env: {} },
    );
    expect(explicit.configPath).toBe(path.join(top, 'other.json'));
  });

  it('keeps every path as it was when run in the root', async () => {
    await tree({ 'sql/migrations': null });
    const ctx = await createContext({}, { cwd: top, out: quiet(), env: {} });
    expect(ctx.root).toBe(top);
    expect(migrateSettings(ctx).dir).toBe('sql/migrations');
    expect(embeddedDir(ctx).root).toBe(path.join(top, '.dreamdb'));
  });
});

describe('deprecated config keys', () => {
  it('still reads migrations.lockRetries, with one warning naming migrations.lockAttempts', async () => {
    await tree({ 'dreamdb.config.json': JSON.stringify({ migrations: { lockRetries: 7 } }) });
    let stderr = '';
    const out = createOutput({ interactive: false, stdout: sink(), stderr: sink((s) => (stderr += s)) });
    const ctx = await createContext({}, { cwd: top, out, env: {} });
    expect(migrateSettings(ctx).lockRetries).toBe(7);
    expect(stderr).toBe(
      'warning: dreamdb.config.json: migrations.lockRetries is deprecated: write migrations.lockAttempts (same meaning); the old key still works.\n',
    );
  });

  it('reads migrations.lockAttempts without a warning, and refuses both at once', async () => {
    await tree({ 'dreamdb.config.json': JSON.stringify({ migrations: { lockAttempts: 3 } }) });
    let stderr = '';
    const ctx = await createContext(
      {},
      {
        cwd: top,
        out: createOutput({ interactive: false, stdout: sink(), stderr: sink((s) => (stderr += s)) }),
        env: {},
      },
    );
    expect(migrateSettings(ctx).lockRetries).toBe(3);
    expect(stderr).toBe('');
    await fs.writeFile(
      path.join(top, 'dreamdb.config.json'),
      JSON.stringify({ migrations: { lockAttempts: 3, lockRetries: 4 } }),
    );
    const both = await createContext({}, { cwd: top, out: quiet(), env: {} }).then(
      () => expect.unreachable(),
      (e: unknown) => e,
    );
    expect(both).toBeInstanceOf(UsageError);
    expect((both as UsageError).details).toEqual([
      'migrations: set lockAttempts, not both lockAttempts and lockRetries (its old name)',
    ]);
  });
});

function sink(onWrite: (s: string) => void = () => {}): NodeJS.WritableStream {
  return {
    write: (chunk: string) => {
      onWrite(String(chunk));
      return true;
    },
  } as unknown as NodeJS.WritableStream;
}
