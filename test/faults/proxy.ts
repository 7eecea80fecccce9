/**
 * A TCP proxy in front of the test server that a test steers: pass traffic through, drop every
 * connection, hold new ones (accept and never answer), accept-and-close after the startup
 * packet (a pooler with a dead backend), or slow every chunk down.
 */
import net from 'node:net';

export type ProxyMode = 'pass' | 'hold' | 'accept-close' | 'slow';

export interface FaultProxy {
  url(database: string): string;
  mode: ProxyMode;
  slowMs: number;
  /** Connections accepted so far. */
  accepted: number;
  /** Destroys every open connection (both sides) now. */
  drop(): void;
  close(): Promise<void>;
}

export async function startProxy(targetUrl: string): Promise<FaultProxy> {
  const target = new URL(targetUrl);
  const targetHost = target.hostname.replace(/^\[(.*)\]$/, '$1');
  const targetPort = Number(target.port || 5432);
  const open = new Set<net.Socket>();
  const proxy: FaultProxy = {
    mode: 'pass',
    slowMs: 200,
    accepted: 0,
    url(database) {
      const u = new URL(targetUrl);
      u.hostname = '127.0.0.1';
      u.port = String((server.address() as net.AddressInfo).port);
      u.pathname = `/${database}`;
      return u.toString();
    },
    drop() {
      for (const s of open) s.destroy();
      open.clear();
    },
    close: () =>
      new Promise((resolve) => {
        proxy.drop();
        server.close(() => resolve());
      }),
  };
  const server = net.createServer((client) => {
    proxy.accepted += 1;
    open.add(client);
    client.on('close', () => open.delete(client));
    client.on('error', () => {});
    const mode = proxy.mode;
    if (mode === 'hold') return;
    if (mode === 'accept-close') {
      client.once('data', () => client.destroy());
      return;
    }
    const upstream = net.connect({ host: targetHost, port: targetPort });
    open.add(upstream);
    upstream.on('close', () => {
      open.delete(upstream);
      client.destroy();
    });
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    const pipe = (from: net.Socket, to: net.Socket) =>
      from.on('data', (chunk) => {
        if (proxy.mode === 'slow') {
          from.pause();
          setTimeout(() => {
            to.write(chunk);
            from.resume();
          }, proxy.slowMs);
        } else to.write(chunk);
      });
    pipe(client, upstream);
    pipe(upstream, client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return proxy;
}
