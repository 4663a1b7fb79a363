// `living-review serve`: the screening page and API on 127.0.0.1, over the embedded store, with a bearer token
// per reviewer. Tokens are generated on first start into <data>/tokens.json (mode 0600) and printed once;
// `--tokens FILE` uses a token file made elsewhere (nothing is generated or printed then).
import { join } from 'node:path';
import { loadScreeningAssets } from '../../shared/adapters/http/static-assets.ts';
import type { Protocol } from '../../shared/domain/protocol/protocol.ts';
import { type Command, optionalString, UsageError } from '../command.ts';
import { dataDirectory, loadProtocols, reviewOptions, selectReview } from '../context.ts';
import { startScreeningServer } from '../serve/server.ts';
import { ensureTokens, readTokenFile } from '../serve/tokens.ts';
import { openEmbeddedScreening } from '../serve/wiring.ts';

function parsePort(value: string | undefined): number {
  if (value === undefined) return 8787;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--port ${value} is not a port`);
  return port;
}

export const serveCommand: Command = {
  name: 'serve',
  summary: 'Serve the screening page and API on 127.0.0.1 with per-reviewer tokens',
  usage: 'serve [--review ID] [--port N] [--data DIR] [--tokens FILE] [--protocol FILE]',
  options: { ...reviewOptions, port: { type: 'string' }, tokens: { type: 'string' } },
  async run({ values }, io) {
    const port = parsePort(optionalString(values, 'port'));
    const protocols: Protocol[] =
      typeof values.review === 'string' || typeof values.protocol === 'string'
        ? [selectReview(values)]
        : loadProtocols(values);
    const dataDir = dataDirectory(values);
    const reviewerIds = [...new Set(protocols.flatMap((p) => p.reviewers.map((r) => r.id)))];
    const tokenFile = optionalString(values, 'tokens');
    const { tokens, created } = tokenFile
      ? { tokens: readTokenFile(tokenFile), created: [] as string[] }
      : ensureTokens(join(dataDir, 'tokens.json'), reviewerIds);

    const screening = await openEmbeddedScreening(dataDir, protocols);
    const server = await startScreeningServer({
      protocols,
      deps: screening.deps,
      appraisal: screening.appraisal,
      tokens,
      assets: loadScreeningAssets(),
      port,
      logError: (message) => io.err(message),
    });
    io.err(`screening ${protocols.map((p) => p.id).join(', ')} at ${server.url}/ (data: ${dataDir})`);
    if (created.length > 0) {
      io.err(`new tokens (shown once; kept in ${join(dataDir, 'tokens.json')}, mode 0600):`);
      for (const id of created) io.out(`  ${id}: ${server.url}/#token=${tokens[id]}`);
    } else {
      io.err(`tokens: ${tokenFile ?? join(dataDir, 'tokens.json')}`);
    }
    io.err('press Ctrl-C to stop');

    await new Promise<void>((resolve) => {
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        resolve();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    await server.close();
    await screening.close();
    return 0;
  },
};
