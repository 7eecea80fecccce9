/**
 * One PostgreSQL server for the whole run: DREAMDB_TEST_DATABASE_URL when set (CI points it at the
 * machine's PostgreSQL 15), else an embedded PostgreSQL 17 in .dreamdb/test-cluster. Every test
 * file creates and drops its own databases on it.
 */
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { acquire, embeddedPaths, type Lease } from '../../src/db/embedded.js';

declare module 'vitest' {
  export interface ProvidedContext {
    serverUrl: string;
    serverKind: 'embedded' | 'external';
  }
}

let lease: Lease | undefined;

export async function setup(project: TestProject): Promise<void> {
  const external = process.env.DREAMDB_TEST_DATABASE_URL;
  if (external) {
    project.provide('serverUrl', external);
    project.provide('serverKind', 'external');
    return;
  }
  lease = await acquire(embeddedPaths(path.resolve('.dreamdb/test-cluster')));
  project.provide('serverUrl', lease.url);
  project.provide('serverKind', 'embedded');
}

export async function teardown(): Promise<void> {
  await lease?.release();
}
