/**
 * A rotation in a process of its own, so a test can SIGKILL it the way cron or a deploy kills the
 * CLI. Usage: tsx test/partitions/rotate-child.ts <url> <options as JSON>. Prints one line per
 * progress event ("event <n> <type> <action> <table>") and "finished" at the end.
 */
import { connect } from '../../src/db/connect.js';
import { rotatePartitions, type RotateOptions } from '../../src/partitions/index.js';

const [url, json] = process.argv.slice(2);
const sql = connect(url!, { connection: { application_name: 'rotate-child' } });
let n = 0;
const options = JSON.parse(json!) as RotateOptions;
try {
  await rotatePartitions(sql, {
    ...options,
    onProgress: (e) => {
      const step = 'step' in e ? ` ${e.step.action} ${e.step.table}` : '';
      process.stdout.write(`event ${n++} ${e.type}${step}\n`);
    },
  });
  process.stdout.write('finished\n');
} finally {
  await sql.end({ timeout: 1 });
}
