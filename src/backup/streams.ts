/** Small stream pieces of the backup pipeline: batching, measuring. */
import { createHash, type Hash } from 'node:crypto';
import { Transform, type Readable, type TransformCallback, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * COPY TO sends one message per row: batching them into large buffers before gzip and encryption
 * turns a million tiny zlib and cipher calls into a few hundred big ones.
 */
export function batcher(size = 256 * 1024): Transform {
  let parts: Buffer[] = [];
  let length = 0;
  return new Transform({
    highWaterMark: 4,
    transform(chunk: Buffer, _enc, cb: TransformCallback) {
      parts.push(chunk);
      length += chunk.length;
      if (length >= size) {
        const out = Buffer.concat(parts, length);
        parts = [];
        length = 0;
        cb(null, out);
      } else cb();
    },
    flush(cb: TransformCallback) {
      cb(null, length ? Buffer.concat(parts, length) : undefined);
    },
  });
}

export interface Measure {
  bytes: number;
  /** Newlines: the rows of a COPY text stream (a newline inside a value is written as \n). */
  lines: number;
  sha256(): string;
}

/** Passes data through, counting bytes and lines and hashing them. */
export function meter(onChunk?: (m: Measure) => void): { stream: Transform; measure: Measure } {
  const hash: Hash = createHash('sha256');
  let digest: string | undefined;
  const measure: Measure = {
    bytes: 0,
    lines: 0,
    sha256: () => (digest ??= hash.digest('hex')),
  };
  const stream = new Transform({
    transform(chunk: Buffer, _enc, cb: TransformCallback) {
      hash.update(chunk);
      measure.bytes += chunk.length;
      measure.lines += countNewlines(chunk);
      onChunk?.(measure);
      cb(null, chunk);
    },
  });
  return { stream, measure };
}

function countNewlines(buf: Buffer): number {
  let n = 0;
  let i = buf.indexOf(10);
  while (i !== -1) {
    n += 1;
    i = buf.indexOf(10, i + 1);
  }
  return n;
}

/**
 * postgres.js 3.4.9 pauses its socket when a COPY TO stream's buffer is full and resumes it from
 * the stream's read(). When the last row fills the buffer and the end of the COPY arrives in the
 * same packet, the stream ends with the socket still paused, and the connection's next query
 * waits forever. Resuming once the stream has ended closes that gap (a no-op otherwise).
 */
export function resumeAfterEnd<T extends Readable>(stream: T): T {
  stream.once('end', () => (stream as unknown as { _read: (n: number) => void })._read(0));
  return stream;
}

/**
 * Streams into a `COPY ... FROM STDIN` query. postgres.js 3.4.9 resolves the query with the
 * writable stream; an error the server reports after the last row was sent (a constraint failing
 * on a small table) then reaches only the query's reject, and the stream's finish never comes.
 * Watching reject as well turns that hang into the server's error.
 */
export async function copyInto(query: PromiseLike<unknown>, streams: readonly (Readable | Transform)[]): Promise<void> {
  const q = query as unknown as { reject: (e: unknown) => void; writable(): Promise<Writable> };
  let fail: (e: unknown) => void = () => {};
  const failed = new Promise<never>((_, reject) => (fail = reject));
  const original = q.reject;
  q.reject = (e: unknown) => {
    fail(e);
    original(e);
  };
  failed.catch(() => {});
  // The connection may be lost before the server accepts the COPY: then writable() never settles.
  const into = await Promise.race([q.writable(), failed]);
  const done = pipeline([...streams, into] as unknown as [Readable, Writable]);
  try {
    await Promise.race([done, failed]);
  } catch (error) {
    for (const s of streams) s.destroy();
    into.destroy();
    done.catch(() => {});
    throw error;
  }
}
