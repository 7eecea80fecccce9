// Preloaded with NODE_OPTIONS=--import by test/cli/startup.test.ts: every module the process
// resolves is appended to $DREAMDB_TRACE_IMPORTS (synchronously, from the hooks thread, so none is
// lost when the CLI calls process.exit).
import { register } from 'node:module';

register(new URL('./import-trace-hooks.mjs', import.meta.url), { data: { file: process.env.DREAMDB_TRACE_IMPORTS } });
