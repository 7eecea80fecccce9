/**
 * The partitions area: yearly partitions of public.metrics, rotated without blocking the app.
 * The rotation steps themselves live in SQL (sql/migrations/20261125100100_metrics_partitions.sql)
 * and are shared with the in-database pg_cron job; this area plans, shows, locks, retries,
 * archives and reports. docs/partitions.md explains the policy.
 *
 * Every entry point takes a single-connection client (withPartitionsClient): a rotation holds a
 * session advisory lock on it.
 */
export { CATALOG_LOCK_TIMEOUT_MS, catalogLockError, withPartitionsClient } from './catalog.js';
export { listPartitions, type ListOptions, type PartitionList } from './list.js';
export { checkPartitions, type CheckResult } from './check.js';
export {
  rotatePartitions,
  summarizeRotation,
  type AppliedStep,
  type RotateEvent,
  type RotateOptions,
  type RotateResult,
} from './rotate.js';
export { schedulePartitions, type ScheduleOptions, type ScheduleResult } from './schedule.js';
export { describeRotateEvent, renderCheck, renderPartitionList, renderRotation, renderSchedule } from './render.js';
export { describeStep } from '../plan/partitions.js';
