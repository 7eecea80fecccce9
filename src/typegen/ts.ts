/**
 * The TypeScript types the generator builds, and the one printer that writes them. One printer,
 * one style (two-space indent, double quotes, no semicolons: the look of Supabase's generator, so a
 * switch from it diffs small), so the output is the same for the same schema.
 */

export type TsType =
  | { kind: 'keyword'; name: 'string' | 'number' | 'boolean' | 'unknown' | 'never' | 'undefined' | 'null' }
  /** A named type: Json, DashboardSummary, Database["public"]["Enums"]["mood"], a config override. */
  | { kind: 'ref'; text: string }
  | { kind: 'literal'; value: string | number | boolean }
  | { kind: 'union'; members: TsType[] }
  | { kind: 'array'; element: TsType }
  /** Printed one item per line with trailing commas (Relationships). */
  | { kind: 'tuple'; items: TsType[] }
  | { kind: 'object'; fields: TsField[] };

export interface TsField {
  name: string;
  type: TsType;
  optional?: boolean;
  /** Printed as a JSDoc comment above the field. */
  doc?: string;
}

export const T = {
  string: { kind: 'keyword', name: 'string' } as TsType,
  number: { kind: 'keyword', name: 'number' } as TsType,
  boolean: { kind: 'keyword', name: 'boolean' } as TsType,
  unknown: { kind: 'keyword', name: 'unknown' } as TsType,
  never: { kind: 'keyword', name: 'never' } as TsType,
  undefined: { kind: 'keyword', name: 'undefined' } as TsType,
  null: { kind: 'keyword', name: 'null' } as TsType,
  json: { kind: 'ref', text: 'Json' } as TsType,
  record: { kind: 'ref', text: 'Record<string, unknown>' } as TsType,
  ref: (text: string): TsType => ({ kind: 'ref', text }),
  literal: (value: string | number | boolean): TsType => ({ kind: 'literal', value }),
  array: (element: TsType): TsType => ({ kind: 'array', element }),
  object: (fields: TsField[]): TsType => ({ kind: 'object', fields }),
  tuple: (items: TsType[]): TsType => ({ kind: 'tuple', items }),
  literals: (values: string[]): TsType => union(values.map((v) => T.literal(v))),
};

/** A union without duplicates or nested unions; null last, as people write it. */
export function union(members: TsType[]): TsType {
  const flat: TsType[] = [];
  const seen = new Set<string>();
  let hasNull = false;
  for (const m of members.flatMap((x) => (x.kind === 'union' ? x.members : [x]))) {
    if (m.kind === 'keyword' && m.name === 'never') continue;
    if (m.kind === 'keyword' && m.name === 'null') {
      hasNull = true;
      continue;
    }
    const key = printType(m, 0);
    if (seen.has(key)) continue;
    seen.add(key);
    flat.push(m);
  }
  // A literal beside its own keyword adds nothing: string | "" is string.
  const keywords = new Set(flat.filter((m) => m.kind === 'keyword').map((m) => (m as { name: string }).name));
  const simplified = flat.filter((m) => !(m.kind === 'literal' && keywords.has(typeof m.value)));
  flat.splice(0, flat.length, ...simplified);
  // Json already includes null.
  if (hasNull && !flat.some((m) => m.kind === 'ref' && m.text === 'Json')) flat.push(T.null);
  if (flat.length === 0) return T.never;
  if (flat.length === 1) return flat[0]!;
  return { kind: 'union', members: flat };
}

export function nullable(type: TsType, isNullable = true): TsType {
  return isNullable ? union([type, T.null]) : type;
}

export function isNullable(type: TsType): boolean {
  if (type.kind === 'keyword') return type.name === 'null' || type.name === 'unknown';
  if (type.kind === 'ref') return type.text === 'Json';
  if (type.kind === 'union') return type.members.some(isNullable);
  return false;
}

export function withoutNull(type: TsType): TsType {
  if (type.kind === 'union') return union(type.members.filter((m) => !(m.kind === 'keyword' && m.name === 'null')));
  if (type.kind === 'keyword' && type.name === 'null') return T.never;
  return type;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

export function propertyName(name: string): string {
  return IDENTIFIER.test(name) ? name : JSON.stringify(name);
}

const pad = (level: number) => '  '.repeat(level);

/** The type as TypeScript source; nested objects are indented from `level`. */
export function printType(type: TsType, level: number): string {
  switch (type.kind) {
    case 'keyword':
      return type.name;
    case 'ref':
      return type.text;
    case 'literal':
      return typeof type.value === 'string' ? JSON.stringify(type.value) : String(type.value);
    case 'union':
      return type.members
        .map((m) => (m.kind === 'union' ? `(${printType(m, level)})` : printType(m, level)))
        .join(' | ');
    case 'array': {
      const inner = printType(type.element, level);
      return type.element.kind === 'union' ? `(${inner})[]` : `${inner}[]`;
    }
    case 'tuple':
      if (type.items.length === 0) return '[]';
      if (type.items.every((i) => i.kind === 'literal'))
        return `[${type.items.map((i) => printType(i, level)).join(', ')}]`;
      return ['[', ...type.items.map((i) => `${pad(level + 1)}${printType(i, level + 1)},`), `${pad(level)}]`].join(
        '\n',
      );
    case 'object':
      return printObject(type.fields, level);
  }
}

export function printObject(fields: TsField[], level: number): string {
  if (fields.length === 0) return '{ [_ in never]: never }';
  const lines = ['{'];
  for (const f of fields) {
    if (f.doc) lines.push(`${pad(level + 1)}/** ${f.doc.replace(/\*\//g, '*\\/').replace(/\s*\n\s*/g, ' ')} */`);
    lines.push(`${pad(level + 1)}${propertyName(f.name)}${f.optional ? '?' : ''}: ${printType(f.type, level + 1)}`);
  }
  lines.push(`${pad(level)}}`);
  return lines.join('\n');
}

/** Fields in name order. */
export function byName(fields: TsField[]): TsField[] {
  return [...fields].sort((a, b) => compare(a.name, b.name));
}

/** Code-unit order: the same on every machine, whatever the locale. */
export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
