/** The lint's vocabulary: rules, findings, suppressions, the report. */
import type { PgNode } from '../typegen/expressions.js';
import type { SchemaModel } from './schema.js';

export type Level = 'error' | 'warn';

export interface Location {
  file: string;
  line: number;
  column: number;
}

export interface Finding extends Location {
  rule: string;
  level: Level;
  message: string;
  /** The statement's first line, for context in reports. */
  statement: string;
}

export interface Suppression extends Location {
  rule: string;
  reason: string;
}

/** A finding someone decided to live with: in the file (a comment) or on the command line (--allow). */
export interface SuppressedFinding extends Finding {
  suppressedBy: 'comment' | 'allow';
  reason: string;
}

export interface LintStatement {
  node: PgNode;
  /** The node type, e.g. AlterTableStmt. */
  kind: string;
  /** Character offsets of the statement in the file. */
  offset: number;
  end: number;
  /** Byte offset of the statement in the file (libpg-query's locations are bytes). */
  byteOffset: number;
  text: string;
  /** Suppression comments written on (or right above) this statement. */
  suppressions: Suppression[];
}

export interface LintFile {
  path: string;
  text: string;
  noTransaction: boolean;
}

export interface ParsedFile extends LintFile {
  statements: LintStatement[];
  /** Set when the parser rejects the file. */
  parseError?: { message: string; offset: number };
  /** Suppression comments that name no known rule or give no reason. */
  badSuppressions: { location: Location; text: string; problem: string }[];
  /** Converts a byte offset in the file (parse-tree locations) to a character offset. */
  charAt(byteOffset: number): number;
}

export interface RuleContext {
  file: ParsedFile;
  statement: LintStatement;
  /** Index of the statement in file.statements. */
  index: number;
  /** The schema as it stands just before this statement. */
  schema: SchemaModel;
  /** Reports a finding at a parse-tree location (bytes, as libpg-query gives them) or at the statement. */
  report(message: string, location?: number): void;
}

export interface Rule {
  id: string;
  level: Level;
  /** One line: what the rule catches. */
  title: string;
  /** Why it hurts a live app. */
  why: string;
  /** The safe alternative, with an example. */
  fix: string;
  check(ctx: RuleContext): void;
}

export interface LintReport {
  files: string[];
  findings: Finding[];
  suppressed: SuppressedFinding[];
  /** Where the knowledge of existing objects came from. */
  knowledge: 'catalog' | 'files';
  counts: { error: number; warn: number; suppressed: number };
}
