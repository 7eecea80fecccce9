/**
 * The lint: each file's statements, in order, through every rule, against a model of the schema
 * that each statement then updates. Findings a comment suppresses (or --allow accepts) are kept
 * apart and listed, never dropped.
 */
import { lineAndColumn } from '../db/sqlfile.js';
import type { Finding, LintFile, LintReport, ParsedFile, RuleContext, SuppressedFinding } from './model.js';
import { parseFile } from './parse.js';
import { RULE_IDS, RULES } from './rules/index.js';
import { SchemaModel } from './schema.js';

export interface LintOptions {
  /** What exists before the first file; an empty model when nothing is known. */
  schema?: SchemaModel;
  knowledge?: LintReport['knowledge'];
  /** Rule ids accepted for this run (migrate --allow). */
  allow?: readonly string[];
  /**
   * 'deploys' (no catalog): each file runs on a later deploy, so what earlier files created
   * already exists, with data. 'run' (a catalog): the files run now, one after another, so
   * what they create is new and empty.
   */
  mode?: 'deploys' | 'run';
}

export async function lintFiles(files: readonly LintFile[], options: LintOptions = {}): Promise<LintReport> {
  const schema = options.schema ?? new SchemaModel();
  const allow = new Set(options.allow ?? []);
  const findings: Finding[] = [];
  const suppressed: SuppressedFinding[] = [];
  for (const file of files) {
    const parsed = await parseFile(file, RULE_IDS);
    lintParsed(parsed, schema, allow, findings, suppressed);
    if ((options.mode ?? 'deploys') === 'deploys') schema.markAllExisting();
  }
  const count = (level: Finding['level']) => findings.filter((f) => f.level === level).length;
  return {
    files: files.map((f) => f.path),
    findings,
    suppressed,
    knowledge: options.knowledge ?? 'files',
    counts: { error: count('error'), warn: count('warn'), suppressed: suppressed.length },
  };
}

function lintParsed(
  file: ParsedFile,
  schema: SchemaModel,
  allow: Set<string>,
  findings: Finding[],
  suppressed: SuppressedFinding[],
): void {
  const at = (offset: number) => ({ file: file.path, ...lineAndColumn(file.text, offset) });
  if (file.parseError) {
    findings.push({
      rule: 'parse-error',
      level: 'error',
      ...at(file.parseError.offset),
      message: `The file does not parse: ${file.parseError.message}.`,
      statement: '',
    });
    return;
  }
  for (const bad of file.badSuppressions) {
    findings.push({
      rule: 'bad-suppression',
      level: 'warn',
      ...bad.location,
      message: `"${bad.text.trim()}" ${bad.problem}.`,
      statement: '',
    });
  }
  file.statements.forEach((statement, index) => {
    for (const rule of RULES) {
      const ctx: RuleContext = {
        file,
        statement,
        index,
        schema,
        report(message, location) {
          const offset = location === undefined || location < 0 ? statement.offset : file.charAt(location);
          const finding: Finding = {
            rule: rule.id,
            level: rule.level,
            ...at(offset),
            message,
            statement: statement.text.split('\n')[0]!.slice(0, 120),
          };
          const comment = statement.suppressions.find((s) => s.rule === rule.id);
          if (comment) suppressed.push({ ...finding, suppressedBy: 'comment', reason: comment.reason });
          else if (allow.has(rule.id))
            suppressed.push({ ...finding, suppressedBy: 'allow', reason: `--allow ${rule.id}` });
          else findings.push(finding);
        },
      };
      rule.check(ctx);
    }
    schema.apply(statement.node, false);
  });
}

/** The schema the earlier files leave behind (no catalog reachable): everything in it exists. */
export async function schemaFromFiles(earlier: readonly LintFile[]): Promise<SchemaModel> {
  const schema = new SchemaModel();
  schema.unknownExists = true;
  for (const file of earlier) {
    const parsed = await parseFile(file, RULE_IDS);
    for (const s of parsed.statements) schema.apply(s.node, true);
  }
  return schema;
}

/** Exit 3 when anything at warn level or above is left. */
export function hasFindings(report: LintReport): boolean {
  return report.findings.length > 0;
}
