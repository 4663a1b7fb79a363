// What every command needs, resolved the same way: the data directory, the protocols, the store (the embedded
// one, or a deployment's table with --aws-table) and the literature sources. This is the local composition root: the Lambdas build the same use cases from their
// environment instead (functions/*/handler.ts).

import { join } from 'node:path';
import { openDeployedTable } from '../shared/adapters/dynamodb/deployed-table.ts';
import { type EmbeddedStore, openEmbeddedStore } from '../shared/adapters/embedded/embedded-store.ts';
import { bundleDirectory } from '../shared/adapters/node-entry.ts';
import { resolveCitation } from '../shared/app/resolve-citation.ts';
import { cachedProtocols, defaultProtocolDirectory, protocolFiles } from '../shared/config/protocol-files.ts';
import type { Protocol } from '../shared/domain/protocol/protocol.ts';
import { ProtocolError } from '../shared/errors.ts';
import { type OptionSpec, requireOption, UsageError } from './command.ts';
import { cliStoreIdleMs, dataDirectory } from './store-directory.ts';

export { CLI_STORE_IDLE_MS, cliStoreIdleMs, dataDirectory } from './store-directory.ts';

/** Options every review command takes. */
export const reviewOptions: OptionSpec = {
  review: { type: 'string' },
  protocol: { type: 'string' },
  data: { type: 'string' },
};

export const dataOption: OptionSpec = { data: { type: 'string' } };

/**
 * `--aws-table NAME`: work on a deployment's table instead of the embedded store in --data. Only the curation
 * commands take it (import, queue, runs, include, withdraw, extract, stats); searching, digests, reports and the
 * retraction watch are the deployed functions' work, and a laptop doing them would take their turn (a digest
 * period marked sent, a watermark moved).
 */
export const storeOptions: OptionSpec = { 'aws-table': { type: 'string' } };

/** What a command works on: the embedded store, or a deployed table. */
export type StoreConnection = Pick<EmbeddedStore, 'client' | 'tableName' | 'store' | 'close'>;

type Values = Record<string, unknown>;

/**
 * Run from the bundle, validated protocols are kept beside it (shared/config/protocol-files.ts): parsing and
 * validating the YAML was most of a store command's start, and a command whose protocols are all cached does
 * not even load the YAML parser and the protocol schema (load-protocols.ts is imported only for a file not in
 * the cache). From the sources (development, tests) every command validates afresh.
 */
const bundle = bundleDirectory(import.meta.url);
const protocolCache = bundle === null ? undefined : join(bundle, 'cache', 'protocols');

/** `--protocol FILE` (one review from anywhere), else every protocol in the protocols directory. */
export async function loadProtocols(values: Values): Promise<Protocol[]> {
  const file = typeof values.protocol === 'string' ? values.protocol : undefined;
  const directory = file === undefined ? defaultProtocolDirectory() : undefined;
  if (protocolCache !== undefined) {
    let paths: string[] | null = null;
    try {
      paths =
        directory === undefined ? [file!] : protocolFiles(directory).map((name) => join(directory, name));
    } catch {
      // No such directory: the loader below says so.
    }
    const cached = paths === null ? null : cachedProtocols(paths, protocolCache);
    if (cached !== null) return cached;
  }
  const { loadProtocolDirectory, loadProtocolFile } = await import('../shared/config/load-protocols.ts');
  const options = { cacheDir: protocolCache };
  return directory === undefined
    ? [loadProtocolFile(file!, options)]
    : loadProtocolDirectory(directory, options);
}

/** The review named by `--review ID` (or the only one in `--protocol FILE`). */
export async function selectReview(values: Values): Promise<Protocol> {
  const protocols = await loadProtocols(values);
  const id = typeof values.review === 'string' ? values.review : undefined;
  if (!id) {
    if (typeof values.protocol === 'string' && protocols.length === 1) return protocols[0]!;
    throw new UsageError('--review ID is required');
  }
  const protocol = protocols.find((p) => p.id === id);
  if (!protocol) {
    const known = protocols.map((p) => p.id).join(', ') || 'none';
    throw new ProtocolError(`no review "${id}" (known: ${known})`);
  }
  return protocol;
}

/**
 * The deployment's table named by `--aws-table`, reached with the operator's AWS credentials and region;
 * otherwise the embedded store for the data directory (started on first use, shared by every process using it).
 */
export async function openStore(values: Values): Promise<StoreConnection> {
  if (values['aws-table'] !== undefined) {
    const table = String(values['aws-table']).trim();
    if (table === '') throw new UsageError('--aws-table needs a table name');
    return openDeployedTable(table);
  }
  return openEmbeddedStore({ dataDir: dataDirectory(values), serverIdleMs: cliStoreIdleMs() });
}

/** `--citation`: what every command naming one stored citation takes, and what its help says of it. */
export const citationOption: OptionSpec = { citation: { type: 'string' } };

export const CITATION_HELP =
  '--citation names a stored citation by its id (c followed by 20 hex digits), its PMID (31415926 or\n' +
  'pmid:31415926), its DOI (10.1000/xyz, doi:10.1000/xyz or https://doi.org/10.1000/xyz) or its PMCID.';

/** The id of the stored citation `--citation` names (shared/app/resolve-citation.ts). */
export async function citationFromOption(
  values: Values,
  reviewId: string,
  connection: Pick<StoreConnection, 'store'>,
): Promise<string> {
  return (await resolveCitation(reviewId, requireOption(values, 'citation'), connection.store)).citationId;
}
