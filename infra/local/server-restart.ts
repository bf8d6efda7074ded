import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';

/**
 * For a server the stack runs in its own process (the local KMS, the event bus): closes it and every
 * connection to it, as a stopped emulator would, then listens again on the same address and port
 * after `downForMs`. What it serves lives outside the server, so its state is kept.
 */
export function restartOnSamePort(server: Server): (downForMs: number) => Promise<void> {
  return async (downForMs) => {
    const { address, port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    await delay(downForMs);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, address, () => {
        server.off('error', reject);
        resolve();
      });
    });
  };
}
