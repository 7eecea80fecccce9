/** Migrates a database through the real engine (base + every file in sql/migrations). */
import { defaultMigrateSettings, runMigrations } from '../../src/migrate/engine.js';

export async function migrateUrl(url: string, dir = defaultMigrateSettings.dir): Promise<void> {
  await runMigrations(url, { settings: { ...defaultMigrateSettings, dir } });
}
