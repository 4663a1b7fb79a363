// Fail fast when a service (E-utilities, Europe PMC, ...) cannot be reached at all (no network, a wrong base URL), instead of spending the
// retry budget on a host that does not resolve. A reachable host that misbehaves is the client's business.
import { connect } from 'node:net';
import { ConfigError } from '../shared/errors.ts';

export async function assertReachable(
  baseUrl: string,
  timeoutMs = 5000,
  service = 'E-utilities',
): Promise<void> {
  const url = new URL(baseUrl);
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  await new Promise<void>((resolve, reject) => {
    const socket = connect({ host: url.hostname, port, timeout: timeoutMs });
    const fail = (reason: string) => {
      socket.destroy();
      reject(
        new ConfigError(
          `cannot reach ${service} at ${url.origin} (${reason}). Offline? \`npm run demo\` runs the same cycle against a local stand-in; NCBI_EUTILS_BASE_URL points at a mirror.`,
        ),
      );
    };
    socket.once('connect', () => {
      socket.end();
      resolve();
    });
    socket.once('timeout', () => fail(`no answer within ${timeoutMs} ms`));
    socket.once('error', (error: NodeJS.ErrnoException) => fail(error.code ?? error.message));
  });
}
