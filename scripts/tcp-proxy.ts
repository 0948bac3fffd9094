/**
 * A TCP proxy for fault trials (test/faults, scripts/fault-trial.ts): it forwards connections to one server
 * and can be cut — every connection dropped, new ones refused, as a stopped server does — and restored on
 * the same port.
 */
import net from 'node:net';

/** A TCP proxy to one server, which a test or trial can cut and restore. */
export class TcpProxy {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  port = 0;

  private constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
    /** The local address it listens on (default 127.0.0.1; a trial's own link-local address on a veth). */
    readonly listenHost: string,
  ) {}

  /** Starts a proxy to `host:port` on a free port of `listenHost`. */
  static async start(host: string, port: number, listenHost = '127.0.0.1'): Promise<TcpProxy> {
    const proxy = new TcpProxy(host, port, listenHost);
    await proxy.listen(0);
    return proxy;
  }

  private listen(port: number): Promise<void> {
    const server = net.createServer((client) => {
      const upstream = net.connect(this.targetPort, this.targetHost);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this.listenHost, () => {
        this.port = (server.address() as net.AddressInfo).port;
        resolve();
      });
    });
  }

  /** Drops every connection and refuses new ones (ECONNREFUSED), as a stopped server does. */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Accepts connections again, on the same port. */
  async restore(): Promise<void> {
    if (!this.server) await this.listen(this.port);
  }

  /** Stops the proxy for good. */
  close(): Promise<void> {
    return this.cut();
  }
}
