import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package's root (where sql/ lives), whether running from src/ (tsx) or dist/. */
export const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const sqlDir = path.join(packageRoot, 'sql');
