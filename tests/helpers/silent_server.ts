/**
 * A TCP server on 127.0.0.1 (random port) that accepts every connection and
 * never sends a byte: an S3 endpoint that has hung. Requests to it can only end
 * by the client's own timeouts.
 *
 * @module
 */

import net from "node:net";

/** A running silent server. */
export interface SilentServer {
  /** `http://127.0.0.1:<port>`. */
  endpoint: string;
  /** Connections accepted so far. */
  connections(): number;
  /** Drops every connection and stops listening. */
  close(): Promise<void>;
}

/**
 * Starts a server that accepts connections and never answers.
 *
 * @returns The handle; `close()` it in a `finally`.
 *
 * @example
 * ```ts ignore
 * const silent = await startSilentServer();
 * try { console.log(silent.endpoint); } finally { await silent.close(); }
 * ```
 */
export async function startSilentServer(): Promise<SilentServer> {
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  const server = net.createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on("error", () => {}); // clients hang up when they time out
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    connections: () => accepted,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
