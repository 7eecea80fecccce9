/**
 * A rotation in a process of its own, so a test can SIGKILL it the way cron or a deploy kills the
 * CLI. Runs the run's compiled build (DREAMDB_TEST_BUILD, see test/helpers/global-setup.ts) with
 * plain node, as the CLI runs. Usage: node test/partitions/rotate-child.mjs <url> <options as JSON>.
 * Prints one line per progress event ("event <n> <type> <action> <table>") and "finished" at the end.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const build = process.env.DREAMDB_TEST_BUILD;
if (!build) throw new Error('rotate-child.mjs: DREAMDB_TEST_BUILD is not set');
const load = (file) => import(pathToFileURL(path.join(build, file)).href);
const { connect } = await load('db/connect.js');
const { rotatePartitions } = await load('partitions/index.js');

const [url, json] = process.argv.slice(2);
const sql = connect(url, { connection: { application_name: 'rotate-child' } });
let n = 0;
try {
  await rotatePartitions(sql, {
    ...JSON.parse(json),
    onProgress: (e) => {
      const step = 'step' in e ? ` ${e.step.action} ${e.step.table}` : '';
      process.stdout.write(`event ${n++} ${e.type}${step}\n`);
    },
  });
  process.stdout.write('finished\n');
} finally {
  await sql.end({ timeout: 1 });
}
