// bin/dreamdb.js for the run's compiled build (test/helpers/global-setup.ts compiles src/ into
// DREAMDB_TEST_BUILD every run): the same entry, without a TypeScript loader in every spawn.
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const build = process.env.DREAMDB_TEST_BUILD;
if (!build) {
  process.stderr.write('cli-entry.mjs: DREAMDB_TEST_BUILD is not set (run it through test/helpers/cli.ts)\n');
  process.exit(2);
}
const cli = await import(pathToFileURL(path.join(build, 'cli.js')).href);
const code = await cli.main(process.argv.slice(2));
process.exit(code);
