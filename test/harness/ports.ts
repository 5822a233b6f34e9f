import { createServer, type Server } from 'node:net';

/**
 * Allocates `count` distinct free TCP ports on 127.0.0.1. Each port comes from the
 * operating system through a listen on port 0. All listeners stay open until every port
 * is known, so the ports differ. Then they close, so the components can bind the ports.
 *
 * NOTE: another process may take a port between its release and the component's
 * bind. The component then fails with "address already in use" in its log, which
 * the harness reports under the component's name.
 */
export async function allocateFreePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];

  try {
    for (let i = 0; i < count; i++) {
      servers.push(await listenOnAnyPort());
    }
    return servers.map(portOf);
  } finally {
    await Promise.all(servers.map(closeServer));
  }
}

export async function allocateFreePort(): Promise<number> {
  const [port] = await allocateFreePorts(1);
  return port!;
}

async function listenOnAnyPort(): Promise<Server> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return server;
}

function portOf(server: Server): number {
  const address = server.address();
  if (address === null || typeof address === 'string') {
    throw new Error('the operating system returned no TCP port for 127.0.0.1:0');
  }
  return address.port;
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
