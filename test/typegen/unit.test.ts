/** The pure parts of gen types, without a database: CHECK and policy reading, JSON shapes, the diff. */
import { beforeAll, describe, expect, it } from 'vitest';
import { diffLines, locate } from '../../src/typegen/diff.js';
import { allowedValues, loadParser, parseCheck, parseExpression, pinnedValues } from '../../src/typegen/expressions.js';
import { functionResultShape, type ShapeContext, type Typed } from '../../src/typegen/json-shape.js';
import { printType, T, nullable } from '../../src/typegen/ts.js';

beforeAll(async () => {
  await loadParser();
});

const values = (definition: string) => Object.fromEntries(allowedValues(parseCheck(definition)));

describe('CHECK constraints → string unions', () => {
  it('reads the forms Postgres prints', () => {
    expect(values("CHECK ((platform = ANY (ARRAY['instagram'::text, 'spotify'::text])))")).toEqual({
      platform: ['instagram', 'spotify'],
    });
    expect(
      values("CHECK (((status)::text = ANY ((ARRAY['a'::character varying, 'b'::character varying])::text[])))"),
    ).toEqual({ status: ['a', 'b'] });
    expect(values("CHECK (kind IN ('x', 'y'))")).toEqual({ kind: ['x', 'y'] });
    expect(values("CHECK ((tier = 'gold'::text))")).toEqual({ tier: ['gold'] });
    expect(values("CHECK ((VALUE = ANY (ARRAY['red'::text, 'green'::text])))")).toEqual({ value: ['red', 'green'] });
    expect(values("CHECK (((mood IS NULL) OR (mood = ANY (ARRAY['calm'::text, 'hyped'::text]))))")).toEqual({
      mood: ['calm', 'hyped'],
    });
    expect(
      values("CHECK (((a = ANY (ARRAY['1'::text, '2'::text])) AND (a <> '2'::text) AND (b = 'z'::text))) NOT VALID"),
    ).toEqual({ a: ['1', '2'], b: ['z'] });
  });

  it('restricts nothing it does not understand', () => {
    expect(values('CHECK ((char_length(activity_type) >= 1))')).toEqual({});
    expect(values('CHECK ((followers >= 0))')).toEqual({});
    expect(values("CHECK (((a = 'x'::text) OR (b = 'y'::text)))")).toEqual({});
    expect(values("CHECK ((a = ANY (ARRAY['x'::text, lower(b)])))")).toEqual({});
    expect(values('CHECK ((completed OR (completed_at IS NULL)))')).toEqual({});
    expect(values('not sql at all (')).toEqual({});
  });
});

describe('policy pins', () => {
  it('finds columns pinned to one value by a WITH CHECK', () => {
    const pins = pinnedValues(
      parseExpression(
        "((id = ( SELECT auth.uid() AS uid)) AND (subscription_status = 'inactive'::text) AND ('free'::text = subscription_tier) AND (stripe_customer_id IS NULL) AND (points = 0) AND flag)",
      ),
    );
    expect(Object.fromEntries(pins)).toEqual({
      subscription_status: 'inactive',
      subscription_tier: 'free',
      stripe_customer_id: null,
      points: 0,
    });
  });

  it('pins nothing inside an OR', () => {
    expect(pinnedValues(parseExpression("((a = 'x'::text) OR (b IS NULL))")).size).toBe(0);
  });
});

describe('JSON shapes of SQL functions', () => {
  const typed = (type: Parameters<typeof nullable>[0], isNull = false): Typed => ({ type, nullable: isNull });
  const ctx: ShapeContext = {
    parameters: new Map([['p_id', typed(T.string, true)]]),
    relation: (schema, name) => {
      if (schema !== 'public' && schema !== null) return undefined;
      if (name === 'items')
        return new Map([
          ['id', typed(T.string)],
          ['kind', typed(T.literals(['a', 'b']))],
          ['note', typed(T.string, true)],
          ['n', typed(T.number)],
        ]);
      if (name === 'owners')
        return new Map([
          ['id', typed(T.string)],
          ['name', typed(T.string)],
        ]);
      return undefined;
    },
  };
  const shape = (body: string, returns = 'json') => {
    const result = functionResultShape(
      `CREATE FUNCTION f(p_id uuid) RETURNS ${returns} LANGUAGE sql AS $fn$${body}$fn$`,
      ctx,
    );
    return result ? `${printType(result.type, 0)}${result.nullable ? ' | null' : ''}` : undefined;
  };

  it('follows aliases, outer joins, CTEs, CASE and scalar subqueries', () => {
    expect(
      shape(`
      WITH k AS (SELECT i.kind FROM public.items AS i)
      SELECT json_build_object(
        'owner', o.name,
        'first_kind', (SELECT k.kind FROM k LIMIT 1),
        'count', (SELECT count(*) FROM public.items),
        'label', CASE WHEN i.n > 1 THEN 'many' ELSE 'one' END,
        'note', i.note,
        'exists', EXISTS (SELECT 1 FROM public.items),
        'ids', ARRAY(SELECT x.id FROM public.items AS x),
        'param', p_id,
        'mystery', some_function(o.id),
        'name_or_blank', coalesce(i.note, ''))
      FROM public.owners AS o LEFT JOIN public.items AS i ON i.id = o.id`),
    ).toBe(
      '{\n  owner: string\n  first_kind: "a" | "b" | null\n  count: number\n  label: "many" | "one"\n  note: string | null\n  exists: boolean\n  ids: string[]\n  param: string | null\n  mystery: Json\n  name_or_blank: string\n} | null',
    );
  });

  it('knows json_agg is NULL without rows, and coalesce with a literal fixes that', () => {
    expect(shape("SELECT json_build_object('all', (SELECT json_agg(i.kind) FROM public.items AS i))")).toBe(
      '{\n  all: ("a" | "b")[] | null\n}',
    );
    expect(
      shape("SELECT json_build_object('all', coalesce((SELECT json_agg(i.kind) FROM public.items AS i), '[]'::json))"),
    ).toBe('{\n  all: ("a" | "b")[]\n}');
  });

  it('has no shape for bodies it cannot read', () => {
    expect(shape('SELECT 1; SELECT 2, 3')).toBeUndefined();
    expect(
      functionResultShape('CREATE FUNCTION f() RETURNS json LANGUAGE plpgsql AS $$BEGIN RETURN 1; END$$', ctx),
    ).toBeUndefined();
    expect(functionResultShape('nonsense', ctx)).toBeUndefined();
  });
});

describe('the --check diff', () => {
  it('shows changed lines with where they are', () => {
    const before =
      'export type Database = {\n  public: {\n    Tables: {\n      a: {\n        Row: {\n          x: string\n        }\n      }\n    }\n  }\n}\n';
    const after = before.replace('          x: string\n', '          x: string\n          y: number\n');
    const diff = diffLines(before, after);
    expect(diff).toMatchObject({ added: 1, removed: 0, more: 0 });
    expect(diff.lines).toEqual([
      { sign: '+', line: 7, text: '          y: number', where: 'Database.public.Tables.a.Row' },
    ]);
    expect(diffLines(after, after)).toMatchObject({ added: 0, removed: 0, lines: [] });
    expect(locate(after.split('\n'), 0)).toBe('');
  });

  it('caps the lines it shows', () => {
    const before = Array.from({ length: 50 }, (_, i) => `line ${i}`).join('\n');
    const after = Array.from({ length: 50 }, (_, i) => `line ${i}${i % 2 ? '!' : ''}`).join('\n');
    const diff = diffLines(before, after, 10);
    expect(diff.added).toBe(25);
    expect(diff.removed).toBe(25);
    expect(diff.lines).toHaveLength(10);
    expect(diff.more).toBe(40);
  });
});
