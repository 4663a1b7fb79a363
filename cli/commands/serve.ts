// `living-review serve`: the screening page and API over the embedded store, with a bearer token per reviewer.
// It listens on 127.0.0.1 (this machine only) unless --host says otherwise: a team on one network can be served
// from another address over HTTPS (--tls-cert, --tls-key), or over plain HTTP with --insecure-lan and a warning
// (cli/serve/listen-address.ts). Tokens are generated on first start into <data>/tokens.json (mode 0600) and
// printed once; `--tokens FILE` uses a token file made elsewhere (nothing is generated or printed then).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LocalAttachmentStorage } from '../../shared/adapters/attachments/local-attachments.ts';
import { loadScreeningAssets } from '../../shared/adapters/http/static-assets.ts';
import type { Protocol } from '../../shared/domain/protocol/protocol.ts';
import { ConfigError, errorMessage } from '../../shared/errors.ts';
import { type Command, optionalString, UsageError } from '../command.ts';
import { dataDirectory, loadProtocols, reviewOptions, selectReview } from '../context.ts';
import { fullTextOver } from '../serve/full-text-wiring.ts';
import { isLoopback, planListen } from '../serve/listen-address.ts';
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

function readPem(option: string, file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`${option} ${file}: cannot read it (${(error as Error).message})`);
  }
}

export const serveCommand: Command = {
  name: 'serve',
  store: true,
  summary: 'Serve the screening page and API (127.0.0.1 unless --host) with per-reviewer tokens',
  usage:
    'serve [--review ID] [--port N] [--host ADDRESS [--tls-cert FILE --tls-key FILE | --insecure-lan] [--hostname NAME]] [--data DIR] [--tokens FILE] [--protocol FILE]',
  options: {
    ...reviewOptions,
    port: { type: 'string' },
    tokens: { type: 'string' },
    host: { type: 'string' },
    'tls-cert': { type: 'string' },
    'tls-key': { type: 'string' },
    'insecure-lan': { type: 'boolean' },
    hostname: { type: 'string', multiple: true },
  },
  async run({ values }, io) {
    const port = parsePort(optionalString(values, 'port'));
    const certFile = optionalString(values, 'tls-cert');
    const keyFile = optionalString(values, 'tls-key');
    if ((certFile === undefined) !== (keyFile === undefined)) {
      throw new UsageError('--tls-cert and --tls-key go together');
    }
    const plan = planListen({
      host: optionalString(values, 'host') ?? '127.0.0.1',
      tls: certFile !== undefined,
      insecureLan: values['insecure-lan'] === true,
    });
    if (!plan.ok) throw new UsageError(plan.reason);
    const tls =
      certFile && keyFile
        ? { cert: readPem('--tls-cert', certFile), key: readPem('--tls-key', keyFile) }
        : undefined;
    const protocols: Protocol[] =
      typeof values.review === 'string' || typeof values.protocol === 'string'
        ? [await selectReview(values)]
        : await loadProtocols(values);
    const dataDir = dataDirectory(values);
    const reviewerIds = [...new Set(protocols.flatMap((p) => p.reviewers.map((r) => r.id)))];
    const tokenFile = optionalString(values, 'tokens');
    const { tokens, created } = tokenFile
      ? { tokens: readTokenFile(tokenFile), created: [] as string[] }
      : ensureTokens(join(dataDir, 'tokens.json'), reviewerIds);

    // A decision that includes a study is answered before the statistics are recomputed (wiring.ts); a server
    // stopped before one finished left them behind, so each review's are brought up to date at start.
    const screening = await openEmbeddedScreening(dataDir, protocols, {
      recomputeInBackground: {
        onError: (reviewId, error) =>
          io.err(`statistics of review "${reviewId}" not recomputed: ${errorMessage(error)}`),
      },
    });
    for (const protocol of protocols) await screening.recompute(protocol.id);
    const attachments = new LocalAttachmentStorage(dataDir);
    const fullText = fullTextOver(screening.embedded, attachments);
    const server = await startScreeningServer({
      protocols,
      deps: screening.deps,
      fullText,
      attachments,
      appraisal: screening.appraisal,
      verification: screening.verification,
      tokens,
      assets: loadScreeningAssets(),
      port,
      host: plan.host,
      hostnames: (values.hostname as string[] | undefined) ?? [],
      ...(tls ? { tls } : {}),
      logError: (message) => io.err(message),
    }).catch(async (error: unknown) => {
      await fullText.close();
      await screening.close();
      throw error;
    });
    if (!fullText.openAccess)
      io.err('open-access lookups are off: set UNPAYWALL_EMAIL to look full texts up in Unpaywall');
    if (plan.warning) io.err(plan.warning);
    else if (!plan.tls && isLoopback(plan.host))
      io.err('plain HTTP on the loopback interface: this machine only');
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
    await fullText.close();
    await screening.close();
    return 0;
  },
};
