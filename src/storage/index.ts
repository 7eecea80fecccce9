/**
 * The storage area: the app's buckets, declared in sql/storage/buckets.json (or the config),
 * brought in line through SQL on storage.buckets or through the Storage API. The policies on
 * storage.objects live in a migration (20261125100200_storage_buckets_and_policies).
 */
export { loadDeclaredBuckets, type Declared } from './declarations.js';
export { apiBackend, sqlBackend, withStorage, type StorageBackend, type StorageOptions } from './backends.js';
export { storageList, storageSync } from './sync.js';
export type { ListedBucket, ListResult, SyncOptions, SyncResult } from './model.js';
export { formatBytes, renderChanges, renderList, renderSync } from './render.js';
export {
  planBuckets,
  type BucketChange,
  type BucketField,
  type BucketPlan,
  type BucketState,
} from '../plan/storage.js';
