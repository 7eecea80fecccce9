/** Every rule fires on the dangerous form and stays quiet on the safe one (no database: history from files). */
import { describe, expect, it } from 'vitest';
import { lintFiles, schemaFromFiles } from '../../src/lint/lint.js';
import { RULES } from '../../src/lint/rules/index.js';

/** What earlier migrations created: an app table, a server-only table, an app function. */
const HISTORY = `
CREATE TABLE public.artists (id uuid PRIMARY KEY, name varchar(40), bio text, tier text, score numeric(6,2), ts timestamp);
ALTER TABLE public.artists ENABLE ROW LEVEL SECURITY;
GRANT SELECT, UPDATE ON public.artists TO authenticated;
CREATE TABLE public.jobs (id bigint PRIMARY KEY, artist_id uuid, note text, due date);
ALTER TABLE public.jobs ADD CONSTRAINT jobs_due_nn CHECK (due IS NOT NULL) NOT VALID;
ALTER TABLE public.jobs VALIDATE CONSTRAINT jobs_due_nn;
CREATE FUNCTION public.get_dashboard() RETURNS int LANGUAGE sql AS 'select 1';
GRANT EXECUTE ON FUNCTION public.get_dashboard() TO authenticated;
CREATE FUNCTION public.helper() RETURNS int LANGUAGE sql AS 'select 1';
CREATE FUNCTION public.pick() RETURNS int LANGUAGE sql VOLATILE AS 'select 1';
CREATE FUNCTION public.stamp() RETURNS timestamptz LANGUAGE sql STABLE AS 'select now()';
`;

interface Case {
  fires: string[];
  quiet: string[];
  noTransaction?: boolean;
}

const CASES: Record<string, Case> = {
  'index-not-concurrent': {
    fires: ['CREATE INDEX jobs_note_idx ON public.jobs (note);', 'CREATE UNIQUE INDEX ON jobs (artist_id, note);'],
    quiet: [
      'CREATE TABLE public.x (a int); CREATE INDEX x_a ON public.x (a);',
      '-- dreamdb:no-transaction\nCREATE INDEX CONCURRENTLY jobs_note_idx ON public.jobs (note);',
    ],
  },
  'concurrently-in-transaction': {
    fires: [
      'CREATE INDEX CONCURRENTLY jobs_note_idx ON public.jobs (note);',
      'DROP INDEX CONCURRENTLY jobs_note_idx;',
      'REINDEX INDEX CONCURRENTLY jobs_note_idx;',
      'VACUUM public.jobs;',
    ],
    quiet: [
      '-- dreamdb:no-transaction\nCREATE INDEX CONCURRENTLY jobs_note_idx ON public.jobs (note);',
      '-- dreamdb:no-transaction\nDROP INDEX CONCURRENTLY jobs_note_idx;',
    ],
  },
  'foreign-key-validates': {
    fires: ['ALTER TABLE jobs ADD CONSTRAINT jobs_artist_fk FOREIGN KEY (artist_id) REFERENCES artists (id);'],
    quiet: [
      'ALTER TABLE jobs ADD CONSTRAINT jobs_artist_fk FOREIGN KEY (artist_id) REFERENCES artists (id) NOT VALID;',
      'CREATE TABLE public.y (id int, artist_id uuid REFERENCES artists (id)); ALTER TABLE public.y ADD FOREIGN KEY (id) REFERENCES jobs (id);',
    ],
  },
  'check-validates': {
    fires: ['ALTER TABLE jobs ADD CONSTRAINT jobs_note_len CHECK (length(note) < 500);'],
    quiet: [
      'ALTER TABLE jobs ADD CONSTRAINT jobs_note_len CHECK (length(note) < 500) NOT VALID;',
      'ALTER TABLE jobs VALIDATE CONSTRAINT jobs_note_len;',
    ],
  },
  'validate-in-same-transaction': {
    fires: ['ALTER TABLE jobs ADD CONSTRAINT c1 CHECK (id > 0) NOT VALID;\nALTER TABLE jobs VALIDATE CONSTRAINT c1;'],
    quiet: [
      'ALTER TABLE jobs VALIDATE CONSTRAINT c1;',
      '-- dreamdb:no-transaction\nALTER TABLE jobs ADD CONSTRAINT c1 CHECK (id > 0) NOT VALID;\nALTER TABLE jobs VALIDATE CONSTRAINT c1;',
    ],
  },
  'add-column-volatile-default': {
    fires: [
      'ALTER TABLE jobs ADD COLUMN ref uuid DEFAULT gen_random_uuid();',
      'ALTER TABLE jobs ADD COLUMN r float8 DEFAULT random();',
      'ALTER TABLE jobs ADD COLUMN n bigserial;',
      'ALTER TABLE jobs ADD COLUMN p int DEFAULT public.pick();',
      'ALTER TABLE jobs ADD COLUMN g int GENERATED ALWAYS AS (id * 2) STORED;',
    ],
    quiet: [
      'ALTER TABLE jobs ADD COLUMN created timestamptz DEFAULT now();',
      "ALTER TABLE jobs ADD COLUMN state text NOT NULL DEFAULT 'new';",
      'ALTER TABLE jobs ADD COLUMN s timestamptz DEFAULT public.stamp();',
      'CREATE TABLE public.z (id int); ALTER TABLE public.z ADD COLUMN ref uuid DEFAULT gen_random_uuid();',
    ],
  },
  'add-column-not-null-without-default': {
    fires: ['ALTER TABLE jobs ADD COLUMN priority int NOT NULL;'],
    quiet: [
      'ALTER TABLE jobs ADD COLUMN priority int NOT NULL DEFAULT 0;',
      'ALTER TABLE jobs ADD COLUMN priority int;',
    ],
  },
  'set-not-null-scans': {
    fires: [
      'ALTER TABLE jobs ALTER COLUMN note SET NOT NULL;',
      'ALTER TABLE jobs ADD CONSTRAINT n CHECK (note IS NOT NULL) NOT VALID;\nALTER TABLE jobs ALTER COLUMN note SET NOT NULL;',
    ],
    quiet: ['ALTER TABLE jobs ALTER COLUMN due SET NOT NULL;', 'ALTER TABLE jobs ALTER COLUMN id SET NOT NULL;'],
  },
  'column-type-rewrites': {
    fires: [
      'ALTER TABLE artists ALTER COLUMN tier TYPE jsonb USING tier::jsonb;',
      'ALTER TABLE jobs ALTER COLUMN id TYPE int;',
      'ALTER TABLE artists ALTER COLUMN ts TYPE timestamptz;',
      'ALTER TABLE artists ALTER COLUMN name TYPE varchar(10);',
      'ALTER TABLE artists ALTER COLUMN score TYPE numeric(8,3);',
    ],
    quiet: [
      'ALTER TABLE artists ALTER COLUMN name TYPE varchar(80);',
      'ALTER TABLE artists ALTER COLUMN name TYPE text;',
      'ALTER TABLE artists ALTER COLUMN score TYPE numeric(9,2);',
      'CREATE TABLE public.w (a int); ALTER TABLE public.w ALTER COLUMN a TYPE bigint;',
    ],
  },
  'constraint-builds-index': {
    fires: [
      'ALTER TABLE jobs ADD CONSTRAINT jobs_note_key UNIQUE (note);',
      'ALTER TABLE artists ADD PRIMARY KEY (id);',
    ],
    quiet: [
      'ALTER TABLE jobs ADD CONSTRAINT jobs_note_key UNIQUE USING INDEX jobs_note_idx;',
      'CREATE TABLE public.v (a int); ALTER TABLE public.v ADD PRIMARY KEY (a);',
    ],
  },
  'drop-used-object': {
    fires: [
      'DROP TABLE public.artists;',
      'ALTER TABLE artists DROP COLUMN bio;',
      'DROP FUNCTION public.get_dashboard();',
    ],
    quiet: ['DROP TABLE public.jobs;', 'ALTER TABLE jobs DROP COLUMN note;', 'DROP FUNCTION public.helper();'],
  },
  'rename-used-object': {
    fires: [
      'ALTER TABLE artists RENAME COLUMN bio TO biography;',
      'ALTER TABLE public.artists RENAME TO performers;',
      'ALTER FUNCTION public.get_dashboard() RENAME TO dashboard;',
    ],
    quiet: [
      'ALTER TABLE jobs RENAME COLUMN note TO notes;',
      'ALTER TABLE jobs RENAME TO work;',
      'ALTER FUNCTION public.helper() RENAME TO help;',
    ],
  },
  truncate: {
    fires: ['TRUNCATE public.jobs;', 'TRUNCATE jobs, artists CASCADE;'],
    quiet: ['DELETE FROM jobs WHERE id < 10;'],
  },
  'vacuum-full-or-cluster': {
    fires: ['-- dreamdb:no-transaction\nVACUUM FULL public.jobs;', 'CLUSTER jobs USING jobs_pkey;'],
    quiet: ['-- dreamdb:no-transaction\nVACUUM (ANALYZE) public.jobs;', 'ANALYZE public.jobs;'],
  },
  'lock-table': {
    fires: ['LOCK TABLE jobs;', 'LOCK TABLE jobs IN SHARE MODE;'],
    quiet: ['SELECT 1 FROM jobs FOR UPDATE;'],
  },
  'new-table-without-rls': {
    fires: [
      'CREATE TABLE public.playlists (id int);',
      'CREATE TABLE playlists (id int); ALTER TABLE jobs ENABLE ROW LEVEL SECURITY;',
    ],
    quiet: [
      'CREATE TABLE public.playlists (id int); ALTER TABLE public.playlists ENABLE ROW LEVEL SECURITY;',
      'CREATE TABLE private.playlists (id int);',
      'CREATE TEMP TABLE scratch (id int);',
    ],
  },
  'new-table-without-grants': {
    fires: ['CREATE TABLE public.playlists (id int);', 'CREATE VIEW public.job_notes AS SELECT note FROM jobs;'],
    quiet: [
      'CREATE TABLE public.playlists (id int); GRANT SELECT ON public.playlists TO authenticated;',
      'CREATE TABLE public.srv (id int); REVOKE ALL ON public.srv FROM anon, authenticated;',
      'CREATE TABLE private.playlists (id int);',
      'CREATE VIEW public.job_notes AS SELECT note FROM jobs; GRANT SELECT ON public.job_notes TO authenticated;',
    ],
  },
  'new-table-without-policies': {
    fires: [
      'CREATE TABLE public.playlists (id int); ALTER TABLE public.playlists ENABLE ROW LEVEL SECURITY;',
      'CREATE TABLE public.p (id int); ALTER TABLE public.p ENABLE ROW LEVEL SECURITY; GRANT SELECT ON public.p TO authenticated;',
    ],
    quiet: [
      'CREATE TABLE public.srv (id int); ALTER TABLE public.srv ENABLE ROW LEVEL SECURITY; REVOKE ALL ON public.srv FROM anon, authenticated;',
      'CREATE TABLE public.playlists (id int, artist_id uuid); CREATE POLICY p ON public.playlists FOR SELECT TO authenticated USING (artist_id = (select auth.uid()));',
      'CREATE TABLE private.playlists (id int);',
    ],
  },
  'view-without-security-invoker': {
    fires: [
      'CREATE VIEW public.artist_names AS SELECT id, name FROM public.artists;',
      'CREATE TABLE public.t (a int); ALTER TABLE public.t ENABLE ROW LEVEL SECURITY; CREATE VIEW public.tv AS SELECT a FROM public.t;',
    ],
    quiet: [
      'CREATE VIEW public.artist_names WITH (security_invoker = true) AS SELECT id, name FROM public.artists;',
      'CREATE VIEW public.job_ids AS SELECT id FROM jobs;',
    ],
  },
  'security-definer-without-search-path': {
    fires: ['CREATE FUNCTION public.award() RETURNS void LANGUAGE sql SECURITY DEFINER AS $$ select 1 $$;'],
    quiet: [
      "CREATE FUNCTION public.award() RETURNS void LANGUAGE sql SECURITY DEFINER SET search_path = '' AS $$ select 1 $$;",
      'CREATE FUNCTION public.award() RETURNS void LANGUAGE sql AS $$ select 1 $$;',
    ],
  },
  'transaction-control-in-transaction': {
    // What migrate refuses, the lint reports: SAVEPOINT and role switches included.
    fires: [
      'CREATE TABLE private.a (id int);\nCOMMIT;',
      'BEGIN;\nCREATE TABLE private.a (id int);',
      'ROLLBACK;',
      'SAVEPOINT s; ROLLBACK TO SAVEPOINT s;',
      'SET ROLE service_role;',
      'SET SESSION AUTHORIZATION postgres;',
    ],
    quiet: [
      '-- dreamdb:no-transaction\nSELECT 1;\nCOMMIT;',
      'DO $$ BEGIN PERFORM 1; END $$;',
      'SET search_path = public, extensions;',
    ],
  },
};

async function lintOne(text: string) {
  const schema = await schemaFromFiles([
    { path: 'sql/migrations/20260101000000_history.sql', text: HISTORY, noTransaction: false },
  ]);
  return lintFiles(
    [{ path: 'sql/migrations/20261201000000_x.sql', text, noTransaction: /^-- dreamdb:no-transaction/.test(text) }],
    { schema },
  );
}

describe('every rule', () => {
  it('has a firing and a quiet case here', () => {
    expect(Object.keys(CASES).sort()).toEqual(RULES.map((r) => r.id).sort());
    for (const r of RULES) {
      expect(r.why.length, r.id).toBeGreaterThan(40);
      expect(r.fix, r.id).toMatch(/`[^`]+`/); // an example
    }
  });
  for (const rule of RULES) {
    describe(rule.id, () => {
      for (const sql of CASES[rule.id]!.fires) {
        it(`fires: ${sql.replace(/\n/g, ' ').slice(0, 90)}`, async () => {
          const report = await lintOne(sql);
          const hits = report.findings.filter((f) => f.rule === rule.id);
          expect(hits.length, JSON.stringify(report.findings)).toBeGreaterThan(0);
          expect(hits[0]!.level).toBe(rule.level);
          expect(hits[0]!.file).toBe('sql/migrations/20261201000000_x.sql');
          expect(hits[0]!.line).toBeGreaterThanOrEqual(1);
          expect(hits[0]!.column).toBeGreaterThanOrEqual(1);
        });
      }
      for (const sql of CASES[rule.id]!.quiet) {
        it(`quiet: ${sql.replace(/\n/g, ' ').slice(0, 90)}`, async () => {
          const report = await lintOne(sql);
          expect(report.findings.filter((f) => f.rule === rule.id)).toEqual([]);
        });
      }
    });
  }
});

describe('locations', () => {
  it('points at the subcommand, on the right line and column, past multi-byte text', async () => {
    const report = await lintOne(
      "-- café ☕ migration\nSELECT 'é';\nALTER TABLE jobs\n  ADD COLUMN ref uuid DEFAULT gen_random_uuid();\n",
    );
    const f = report.findings.find((x) => x.rule === 'add-column-volatile-default')!;
    expect([f.line, f.column]).toEqual([4, 14]);
  });
});
