/** Writing the generated module: a reader never sees half of it. */
import fs from 'node:fs/promises';
import path from 'node:path';
import { DreamdbError, UsageError } from '../errors.js';
import { writeFileAtomically } from '../files.js';

/** A temporary file beside the target, then rename: readers never see half a module. */
export async function writeAtomically(file: string, text: string): Promise<void> {
  try {
    await fs.mkdir(path.dirname(file), { recursive: true });
    const stat = await fs.stat(file).catch(() => undefined);
    if (stat?.isDirectory())
      throw new UsageError(`${file} is a directory.`, {
        hint: 'Give --out a file name, e.g. --out src/types/database.ts.',
      });
    await writeFileAtomically(file, text);
  } catch (error) {
    if (error instanceof DreamdbError) throw error;
    throw new UsageError(`Cannot write ${file}: ${(error as Error).message}`, {
      hint: 'Check the directory exists and is writable.',
    });
  }
}
