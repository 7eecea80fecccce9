/** Small helpers the rules share. */
import { as, type PgNode } from '../../typegen/expressions.js';
import type { RuleContext } from '../model.js';
import { relName } from '../parse.js';
import type { RelationInfo } from '../schema.js';

/** The statement's body if it is of the given type. */
export function stmt(ctx: RuleContext, type: string): PgNode | undefined {
  return as(ctx.statement.node, type);
}

/** Each ALTER TABLE subcommand, with the relation it changes. */
export function alterCommands(
  ctx: RuleContext,
): { cmd: PgNode; relation: string | undefined; location: number | undefined }[] {
  const body = stmt(ctx, 'AlterTableStmt');
  if (!body) return [];
  const relation = relName(body.relation);
  return (body.cmds ?? []).map((c: PgNode) => {
    const cmd = as(c, 'AlterTableCmd') ?? {};
    const def = cmd.def as PgNode | undefined;
    const inner = def ? (Object.values(def)[0] as PgNode | undefined) : undefined;
    return { cmd, relation, location: typeof inner?.location === 'number' ? inner.location : body.relation?.location };
  });
}

/**
 * The relation exists before this run and so may hold rows the app is using. A name the model
 * does not know is assumed to exist when the knowledge came from files (it may come from the
 * platform, e.g. storage.objects); with a catalog, unknown means it does not exist yet.
 */
export function existing(ctx: RuleContext, name: string | undefined): RelationInfo | undefined | true {
  const rel = ctx.schema.relation(name);
  if (rel) return rel.existing ? rel : undefined;
  return ctx.schema.unknownExists && name ? true : undefined;
}

export function display(name: string | undefined): string {
  return name?.startsWith('public.') ? name.slice(7) : (name ?? '?');
}

/** The same-file statements after this one (a file is one deploy: its later statements count). */
export function laterStatements(ctx: RuleContext) {
  return ctx.file.statements.slice(ctx.index + 1);
}

export function inTransaction(ctx: RuleContext): boolean {
  return !ctx.file.noTransaction;
}
