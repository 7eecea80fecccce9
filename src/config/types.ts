/** The `types` section of dreamdb.config.json (strict: unknown keys are errors): `dreamdb gen types`. */
import { z } from 'zod';

const identifier = z.string().regex(/^[A-Za-z_][A-Za-z0-9_$]*$/, 'expected a Postgres name like public');

export const typesConfigSchema = z.strictObject({
  /** Where `dreamdb gen types` writes (and `--check` reads) the module; without it, stdout. */
  out: z.string().min(1).optional(),
  /** Schemas PostgREST exposes to the app (default ["public"]). */
  schemas: z.array(identifier).min(1).optional(),
  /** The role the app's requests run as; Database is typed by its rights (default "authenticated"). */
  clientRole: identifier.optional(),
  /** The role server code runs as; ServiceDatabase is typed by its rights (default "service_role"). */
  serverRole: identifier.optional(),
  /** __InternalSupabase.PostgrestVersion, which unlocks newer supabase-js features (default "12"). */
  postgrestVersion: z
    .string()
    .regex(/^\d+(\.\d+)*$/, 'expected a version like "12" or "13.0"')
    .optional(),
  /**
   * TypeScript types for JSON the catalog cannot describe: "schema.function" for what a function
   * returns, "schema.table.column" for a json/jsonb column. Wins over a shape read from a definition.
   */
  json: z
    .record(
      z
        .string()
        .regex(
          /^[A-Za-z_][A-Za-z0-9_$]*\.[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*)?$/,
          'expected "schema.function" or "schema.table.column"',
        ),
      z.string().min(1),
    )
    .optional(),
});

export type TypesConfig = z.output<typeof typesConfigSchema>;
