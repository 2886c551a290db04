/**
 * Free loopback ports for the test-bed Prosody, which needs its port numbers in its config
 * before it starts (it cannot listen on port 0 and report the port back).
 */
import { connect, createServer } from "node:net";

/** The only interface the test bed listens on. */
export const HOST = "127.0.0.1";

/** Resolves to a TCP port on 127.0.0.1 that was free a moment ago (the OS picks it). */
export function findFreePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer().unref();
    server.once("error", fail);
    server.listen({ host: HOST, port: 0, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => (port ? done(port) : fail(new Error("no port assigned"))));
    });
  });
}

const isPortFree = (port: number) =>
  new Promise<boolean>((done) => {
    const server = createServer().unref();
    server.once("error", () => done(false));
    server.listen({ host: HOST, port, exclusive: true }, () => server.close(() => done(true)));
  });

/**
 * `count` distinct loopback ports that are free now. Another process may still take one before
 * Prosody binds it: the caller retries on a port clash.
 */
export async function pickPorts(count: number): Promise<number[]> {
  for (let i = 0; i < 20; i++) {
    const ports: number[] = [];
    for (let n = 0; n < count; n++) ports.push(await findFreePort());
    if (new Set(ports).size !== count) continue;
    const free = await Promise.all(ports.map(isPortFree));
    if (free.every(Boolean)) return ports;
  }
  throw new Error(`could not find ${count} free loopback ports`);
}

/** Whether something on 127.0.0.1 accepts a TCP connection on `port` now (a server's listener is up). */
export const accepts = (port: number) =>
  new Promise<boolean>((done) => {
    const socket = connect({ host: HOST, port }, () => {
      socket.destroy();
      done(true);
    });
    socket.once("error", () => done(false));
  });
