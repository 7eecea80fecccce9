/**
 * A loopback TCP proxy in front of Postgres that counts bytes and drops connections on command:
 * the sync bench's flaky mobile network. `dropAfter(n, direction)` arms one drop: the next time
 * n more bytes have passed in that direction, both sockets of that connection are destroyed
 * mid-stream (a request cut on its way up, or a response cut after the server did the work).
 */
import net from 'node:net';

export type Direction = 'up' | 'down';

export interface ProxyStats {
  /** Client → server bytes. */
  up: number;
  /** Server → client bytes. */
  down: number;
  connections: number;
  drops: number;
}

export interface FaultyProxy {
  port: number;
  stats: ProxyStats;
  /** Arms one drop after `bytes` more bytes in `direction`. */
  dropAfter(bytes: number, direction: Direction): void;
  /** Disarms a drop that has not fired. */
  disarm(): void;
  close(): Promise<void>;
}

export async function startFaultyProxy(targetHost: string, targetPort: number): Promise<FaultyProxy> {
  const stats: ProxyStats = { up: 0, down: 0, connections: 0, drops: 0 };
  const sockets = new Set<net.Socket>();
  let armed: { direction: Direction; remaining: number; conn: number } | null = null;
  let latest = 0;
  const open = new Set<number>();

  const server = net.createServer((client) => {
    stats.connections += 1;
    const conn = ++latest;
    open.add(conn);
    const upstream = net.connect(targetPort, targetHost);
    sockets.add(client);
    sockets.add(upstream);
    const kill = () => {
      client.destroy();
      upstream.destroy();
    };
    const pass = (direction: Direction, from: net.Socket, to: net.Socket) => {
      from.on('data', (chunk: Buffer) => {
        // A drop cuts the request in flight, never a reconnect's startup.
        if (armed && armed.direction === direction && armed.conn === conn) {
          if (chunk.length >= armed.remaining) {
            const head = chunk.subarray(0, armed.remaining);
            armed = null;
            stats.drops += 1;
            stats[direction] += head.length;
            if (head.length) to.write(head);
            kill();
            return;
          }
          armed.remaining -= chunk.length;
        }
        stats[direction] += chunk.length;
        to.write(chunk);
      });
    };
    pass('up', client, upstream);
    pass('down', upstream, client);
    for (const s of [client, upstream]) {
      s.on('error', kill);
      s.on('close', () => {
        sockets.delete(s);
        open.delete(conn);
        kill();
      });
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    stats,
    dropAfter(bytes, direction) {
      armed = open.has(latest) ? { direction, remaining: Math.max(1, Math.floor(bytes)), conn: latest } : null;
    },
    disarm() {
      armed = null;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
