/** `partitions list`: every partition with its bounds and protection, the horizon, gaps and overlaps. */
import type { Sql } from '../db/connect.js';
import {
  PARTITION_DEFAULTS,
  analyzePartitions,
  type PartitionAnalysis,
  type PartitionInfo,
} from '../plan/partitions.js';
import { countRows, readParent, readPartitions, readRealtime, readToday } from './catalog.js';

export interface ListOptions {
  /** Plan for this date (YYYY-MM-DD or Date); default DREAMDB_NOW, else the server's current_date. */
  now?: string | Date;
  /** Years ahead the horizon should reach before it counts as a problem (default 1). */
  ahead?: number;
  firstYear?: number;
  retain?: number;
  parent?: string;
}

export interface PartitionList extends PartitionAnalysis {
  parent: string;
  partitions: PartitionInfo[];
  defaultPartition: { name: string; rows: number } | null;
  realtime: { published: boolean; viaRoot: boolean };
}

export async function listPartitions(sql: Sql, options: ListOptions = {}): Promise<PartitionList> {
  const parent = options.parent ?? PARTITION_DEFAULTS.parent;
  const info = await readParent(sql, parent);
  const today = await readToday(sql, options.now);
  const partitions = await readPartitions(sql, parent);
  const defaultRows = info.defaultPartition ? await countRows(sql, info.defaultPartition) : null;
  const realtime = await readRealtime(sql, parent);
  const analysis = analyzePartitions(partitions, {
    today,
    ahead: options.ahead ?? PARTITION_DEFAULTS.checkAhead,
    ...(options.firstYear !== undefined ? { firstYear: options.firstYear } : {}),
    ...(options.retain !== undefined ? { retain: options.retain } : {}),
    defaultRows,
    realtime,
  });
  return {
    parent,
    ...analysis,
    partitions,
    defaultPartition: info.defaultPartition ? { name: info.defaultPartition.name, rows: defaultRows ?? 0 } : null,
    realtime,
  };
}
