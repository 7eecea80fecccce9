/**
 * A minimal PostgreSQL wire client for the load threads, and nothing else: startup and password
 * authentication (trust, cleartext, md5, SCRAM-SHA-256), named prepared statements, and one
 * pipelined exchange per request: Bind/Execute for each statement of the transaction and a single
 * Sync (what pgbench's \startpipeline … \endpipeline sends). Messages for a (transaction, subject)
 * pair are encoded once and written as one buffer; replies are scanned, not decoded, except the
 * error fields and the body's length. A general driver's per-query work (objects, promises, row
 * parsing, type conversion) is what kept the old harness at a quarter of pgbench; this is the
 * harness's hot path, the rest of dreamdb uses postgres.js.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import net from 'node:net';

export interface WireReply {
  /** Length of the first column of the first row of statement `bodyOf`, or 0. */
  bodyBytes: number;
  error: string | null;
}

const int32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};
const int16 = (n: number) => {
  const b = Buffer.alloc(2);
  b.writeInt16BE(n);
  return b;
};
const cstr = (s: string) => Buffer.concat([Buffer.from(s, 'utf8'), Buffer.from([0])]);
const message = (type: string, ...parts: Buffer[]) => {
  const body = Buffer.concat(parts);
  return Buffer.concat([Buffer.from(type), int32(body.length + 4), body]);
};

export const encode = {
  parse: (name: string, text: string) => message('P', cstr(name), cstr(text), int16(0)),
  /** Bind (text parameters, text results) + Execute of a named statement on the unnamed portal. */
  bindExecute(name: string, values: readonly (string | null)[]): Buffer {
    const params = values.map((v) =>
      v === null
        ? int32(-1)
        : (() => {
            const b = Buffer.from(v, 'utf8');
            return Buffer.concat([int32(b.length), b]);
          })(),
    );
    return Buffer.concat([
      message('B', cstr(''), cstr(name), int16(0), int16(values.length), ...params, int16(0)),
      message('E', cstr(''), int32(0)),
    ]);
  },
  sync: () => message('S'),
  query: (text: string) => message('Q', cstr(text)),
};

/** Called at ReadyForQuery with the body's length (or 0) and the first error (or null). */
export type ReplyCallback = (bodyBytes: number, error: string | null) => void;

interface Pending {
  bodyOf: number;
  done: ReplyCallback;
  statement: number;
  bodyBytes: number;
  sawRow: boolean;
  error: string | null;
  rollingBack?: boolean;
}

const EMPTY = Buffer.alloc(0);

export class WireConnection {
  private socket!: net.Socket;
  private buffer: Buffer = EMPTY;
  private queue: Pending[] = [];
  private onMessage: ((type: number, body: Buffer) => void) | null = null;
  private prepared = new Set<string>();
  pid = 0;

  static async connect(url: string, applicationName: string): Promise<WireConnection> {
    const c = new WireConnection();
    await c.open(new URL(url), applicationName);
    return c;
  }

  private async open(u: URL, applicationName: string): Promise<void> {
    const ssl = u.searchParams.get('sslmode');
    if (ssl && !['disable', 'allow', 'prefer'].includes(ssl)) {
      throw new Error(`the load threads speak plain TCP only (sslmode=${ssl}): bench a server on this network`);
    }
    const user = decodeURIComponent(u.username || 'postgres');
    const password = decodeURIComponent(u.password || process.env.PGPASSWORD || '');
    const database = decodeURIComponent(u.pathname.slice(1) || user);
    // onread: replies land in one reused buffer, without the stream machinery of 'data' events.
    const readBuffer = Buffer.allocUnsafe(256 * 1024);
    this.socket = net.connect({
      host: u.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1',
      port: Number(u.port || 5432),
      onread: { buffer: readBuffer, callback: (n: number, buf: Uint8Array) => this.receive(buf as Buffer, n) },
    });
    this.socket.setNoDelay(true);
    await new Promise<void>((resolve, reject) => {
      this.socket.once('connect', resolve);
      this.socket.once('error', reject);
    });
    this.socket.on('error', (e) => this.failAll(e.message));
    this.socket.on('close', () => this.failAll('the connection closed'));
    const startup = Buffer.concat([
      int32(196608),
      cstr('user'),
      cstr(user),
      cstr('database'),
      cstr(database),
      cstr('application_name'),
      cstr(applicationName),
      Buffer.from([0]),
    ]);
    this.socket.write(Buffer.concat([int32(startup.length + 4), startup]));
    await this.authenticate(user, password);
  }

  private authenticate(user: string, password: string): Promise<void> {
    let scram: { nonce: string; bare: string; serverSignature?: Buffer } | undefined;
    return new Promise((resolve, reject) => {
      this.onMessage = (type, body) => {
        if (type === 0x45) return reject(new Error(errorText(body)));
        if (type === 0x4b) this.pid = body.readInt32BE(0);
        if (type === 0x5a) {
          this.onMessage = null;
          return resolve();
        }
        if (type !== 0x52) return;
        const code = body.readInt32BE(0);
        if (code === 0 || code === 12) return;
        if (code === 3) this.socket.write(message('p', cstr(password)));
        else if (code === 5) {
          const inner = createHash('md5')
            .update(password + user)
            .digest('hex');
          const outer = createHash('md5')
            .update(Buffer.concat([Buffer.from(inner), body.subarray(4, 8)]))
            .digest('hex');
          this.socket.write(message('p', cstr(`md5${outer}`)));
        } else if (code === 10) {
          const nonce = randomBytes(18).toString('base64');
          const bare = `n=*,r=${nonce}`;
          scram = { nonce, bare };
          const first = Buffer.from(`n,,${bare}`);
          this.socket.write(message('p', cstr('SCRAM-SHA-256'), int32(first.length), first));
        } else if (code === 11 && scram) {
          const server = body.subarray(4).toString();
          const attrs = Object.fromEntries(server.split(',').map((kv) => [kv[0], kv.slice(2)]));
          if (!attrs.r?.startsWith(scram.nonce))
            return reject(new Error('SCRAM: the server nonce does not extend ours'));
          const salted = pbkdf2Sync(password, Buffer.from(attrs.s!, 'base64'), Number(attrs.i), 32, 'sha256');
          const clientKey = createHmac('sha256', salted).update('Client Key').digest();
          const storedKey = createHash('sha256').update(clientKey).digest();
          const finalBare = `c=biws,r=${attrs.r}`;
          const auth = `${scram.bare},${server},${finalBare}`;
          const signature = createHmac('sha256', storedKey).update(auth).digest();
          const proof = Buffer.from(clientKey.map((b, i) => b ^ signature[i]!)).toString('base64');
          const serverKey = createHmac('sha256', salted).update('Server Key').digest();
          scram.serverSignature = createHmac('sha256', serverKey).update(auth).digest();
          this.socket.write(message('p', Buffer.from(`${finalBare},p=${proof}`)));
        } else if (code !== 12) {
          reject(new Error(`unsupported authentication method (${code})`));
        }
      };
    });
  }

  /** Prepares named statements (once per connection). */
  async prepare(statements: readonly { name: string; text: string }[]): Promise<void> {
    const todo = statements.filter((s) => !this.prepared.has(s.name));
    if (!todo.length) return;
    const reply = await this.send(Buffer.concat([...todo.map((s) => encode.parse(s.name, s.text)), encode.sync()]), -1);
    if (reply.error) throw new Error(reply.error);
    for (const s of todo) this.prepared.add(s.name);
  }

  /**
   * Writes one pipelined exchange (ending in Sync) and resolves at ReadyForQuery. After an error
   * inside a transaction block the connection is rolled back before the reply resolves.
   */
  send(bytes: Buffer, bodyOf: number): Promise<WireReply> {
    return new Promise((resolve) => this.exchange(bytes, bodyOf, (bodyBytes, error) => resolve({ bodyBytes, error })));
  }

  /** send() without a promise: the load threads' hot path calls back at ReadyForQuery. */
  exchange(bytes: Buffer, bodyOf: number, done: ReplyCallback): void {
    this.queue.push({ bodyOf, done, statement: 0, bodyBytes: 0, sawRow: false, error: null });
    this.socket.write(bytes);
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.destroyed) return resolve();
      this.socket.once('close', () => resolve());
      this.socket.end(message('X'));
      setTimeout(() => {
        this.socket.destroy();
        resolve();
      }, 2000).unref();
    });
  }

  private failAll(reason: string) {
    for (const p of this.queue.splice(0)) p.done(0, reason);
  }

  private receive(read: Buffer, n: number): boolean {
    // The read buffer is reused by the next read: a partial message is copied out.
    const buf = this.buffer.length ? Buffer.concat([this.buffer, read.subarray(0, n)]) : read;
    const end = this.buffer.length ? buf.length : n;
    let at = 0;
    while (end - at >= 5) {
      const len = buf.readInt32BE(at + 1);
      if (end - at < len + 1) break;
      const type = buf[at]!;
      if (this.onMessage) this.onMessage(type, Buffer.from(buf.subarray(at + 5, at + 1 + len)));
      else this.handle(type, buf, at + 5, len - 4);
      at += len + 1;
    }
    this.buffer = at === end ? EMPTY : Buffer.from(buf.subarray(at, end));
    return true;
  }

  private handle(type: number, buf: Buffer, at: number, len: number) {
    const p = this.queue[0];
    if (!p) return;
    switch (type) {
      case 0x44: // DataRow: the body is the first column of the first row
        if (p.statement === p.bodyOf && !p.sawRow) {
          p.sawRow = true;
          const n = buf.readInt32BE(at + 2);
          p.bodyBytes = n < 0 ? 0 : n;
        }
        break;
      case 0x43: // CommandComplete
      case 0x49: // EmptyQueryResponse
        p.statement += 1;
        break;
      case 0x45: // ErrorResponse: the server skips to Sync
        if (!p.error) p.error = errorText(buf.subarray(at, at + len));
        break;
      case 0x5a: {
        // ReadyForQuery
        const status = buf[at];
        if (status !== 0x49 && !p.rollingBack) {
          // Still in a (failed) transaction block: roll back before the next request.
          p.rollingBack = true;
          this.socket.write(encode.query('rollback'));
          break;
        }
        this.queue.shift();
        p.done(p.bodyBytes, p.error);
        break;
      }
      default:
        break;
    }
  }
}

function errorText(body: Buffer): string {
  let code = '';
  let text = '';
  let at = 0;
  while (at < body.length && body[at] !== 0) {
    const field = String.fromCharCode(body[at]!);
    const end = body.indexOf(0, at + 1);
    const value = body.subarray(at + 1, end).toString('utf8');
    if (field === 'C') code = value;
    if (field === 'M') text = value;
    at = end + 1;
  }
  return code ? `${code}: ${text}` : text;
}
