/** The results of storage sync and list, as --json prints them. */
import type { BucketChange, BucketState } from '../plan/storage.js';
import type { StorageOptions } from './backends.js';

export interface SyncOptions extends StorageOptions {
  dryRun?: boolean;
  prune?: boolean;
}

export interface SyncResult {
  via: 'sql' | 'api';
  target: string;
  source: string;
  dryRun: boolean;
  applied: boolean;
  changes: BucketChange[];
}

export interface ListedBucket extends BucketState {
  declared: boolean;
}

export interface ListResult {
  via: 'sql' | 'api';
  target: string;
  buckets: ListedBucket[];
  /** Names of the policies on storage.objects (SQL only). */
  policies: string[] | null;
}
