/**
 * COPY ... FROM STDIN through postgres.js, in big text chunks.
 *
 * Rows are built as COPY text-format lines by the generators and handed over in chunks of about
 * a megabyte (one CopyData message each): the per-row cost stays in string concatenation, and the
 * server parses while the next chunk is generated (the two run on different cores).
 *
 * postgres.js swallows a server error that arrives after the stream is ended (an FK or unique
 * violation is only known at the end of the COPY): the writable never finishes and the error is
 * lost (porsager/postgres#1173). We hook the query's reject so such an error fails the COPY, and
 * the surrounding transaction rolls back.
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type postgres from 'postgres';

type Tx = postgres.TransactionSql<Record<string, unknown>> | postgres.Sql<Record<string, unknown>>;

export interface CopyTarget {
  /** schema.table */
  table: string;
  columns: readonly string[];
}

/** Where COPY text goes: the server, or a file (the bench writes the same bytes to both). */
export interface ChunkSink {
  /** Resolves when the sink can take more; undefined when it can right away. */
  write(chunk: string): Promise<unknown> | undefined;
  end(): Promise<void>;
}

/** Opens `COPY table (columns) FROM STDIN` on tx. */
export async function openCopy(tx: Tx, target: CopyTarget): Promise<ChunkSink> {
  const query = tx`copy ${tx(target.table)} (${tx(target.columns as string[])}) from stdin`;
  let fail!: (error: unknown) => void;
  const failed = new Promise<never>((_, reject) => (fail = reject));
  failed.catch(() => {});
  const hooked = query as unknown as { reject: (error: unknown) => void };
  const reject = hooked.reject;
  hooked.reject = (error) => {
    fail(error);
    reject(error);
  };
  const stream = (await query.writable()) as Writable;
  stream.on('error', fail);
  return {
    write(chunk) {
      return stream.write(chunk) ? undefined : Promise.race([once(stream, 'drain'), failed]);
    },
    async end() {
      stream.end();
      await Promise.race([once(stream, 'finish'), failed]);
    },
  };
}

/** Collects rows into chunks of about `chunkChars` characters before writing them to the sink. */
export class ChunkedWriter {
  private buffer = '';
  rows = 0;

  constructor(
    private readonly sink: ChunkSink,
    private readonly chunkChars = 1 << 20,
  ) {}

  /** Adds text holding `rows` complete lines; resolves when the sink accepted a full chunk. */
  add(lines: string, rows: number): Promise<unknown> | undefined {
    this.buffer += lines;
    this.rows += rows;
    if (this.buffer.length < this.chunkChars) return undefined;
    const chunk = this.buffer;
    this.buffer = '';
    return this.sink.write(chunk);
  }

  async end(): Promise<number> {
    if (this.buffer) await this.sink.write(this.buffer);
    this.buffer = '';
    await this.sink.end();
    return this.rows;
  }
}

const SPECIAL = /[\\\t\n\r]/;

/** A text value in COPY text format (NULL is \N). */
export function copyText(value: string | null | undefined): string {
  if (value === null || value === undefined) return '\\N';
  if (!SPECIAL.test(value)) return value;
  return value.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}
