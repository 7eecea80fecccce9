/** Every rule, in the order reports list them. */
import type { Rule } from '../model.js';
import { addColumnNotNull } from './add-column-not-null.js';
import { addColumnVolatileDefault } from './add-column-volatile-default.js';
import { checkValidates } from './check-validates.js';
import { columnTypeRewrites } from './column-type-rewrites.js';
import { concurrentlyInTransaction } from './concurrently-in-transaction.js';
import { constraintBuildsIndex } from './constraint-builds-index.js';
import { dropUsedObject } from './drop-used-object.js';
import { foreignKeyValidates } from './foreign-key-validates.js';
import { indexNotConcurrent } from './index-not-concurrent.js';
import { lockTable } from './lock-table.js';
import { newTableWithoutGrants } from './new-table-without-grants.js';
import { newTableWithoutPolicies } from './new-table-without-policies.js';
import { newTableWithoutRls } from './new-table-without-rls.js';
import { renameUsedObject } from './rename-used-object.js';
import { securityDefinerSearchPath } from './security-definer-search-path.js';
import { setNotNull } from './set-not-null.js';
import { transactionControl } from './transaction-control.js';
import { truncate } from './truncate.js';
import { vacuumFullOrCluster } from './vacuum-full-or-cluster.js';
import { validateInSameTransaction } from './validate-in-same-transaction.js';
import { viewWithoutSecurityInvoker } from './view-without-security-invoker.js';

export const RULES: readonly Rule[] = [
  indexNotConcurrent,
  concurrentlyInTransaction,
  foreignKeyValidates,
  checkValidates,
  validateInSameTransaction,
  addColumnVolatileDefault,
  addColumnNotNull,
  setNotNull,
  columnTypeRewrites,
  constraintBuildsIndex,
  dropUsedObject,
  renameUsedObject,
  truncate,
  vacuumFullOrCluster,
  lockTable,
  newTableWithoutRls,
  newTableWithoutGrants,
  newTableWithoutPolicies,
  viewWithoutSecurityInvoker,
  securityDefinerSearchPath,
  transactionControl,
];

/** Findings about the file itself (unparseable, a malformed suppression): never suppressible. */
export const META_RULES: readonly Pick<Rule, 'id' | 'level' | 'title' | 'why' | 'fix'>[] = [
  {
    id: 'parse-error',
    level: 'error',
    title: 'The file does not parse',
    why: 'PostgreSQL will reject it at deploy time.',
    fix: 'Fix the syntax error at the reported position.',
  },
  {
    id: 'bad-suppression',
    level: 'warn',
    title: 'A dreamdb:allow comment that suppresses nothing',
    why: 'It names no known rule, gives no reason, or stands where no statement follows, so the finding it meant to accept is still reported.',
    fix: 'Write `-- dreamdb:allow <rule-id> <why this is safe here>` on the statement or the line right above it.',
  },
];

export const RULE_IDS: ReadonlySet<string> = new Set(RULES.map((r) => r.id));
