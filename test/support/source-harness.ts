// What the literature-source integration harnesses (test/integration/pubmed, test/integration/europepmc) share:
// a loopback stand-in, a real client talking to it over HTTP, a source on top, torn down in that order's
// reverse; and reading a search to the end (or to its failure). Each harness keeps its own defaults.
import type { LiteratureSource, SearchEvent, SearchWindow } from '../../shared/ports/literature-source.ts';

interface Closable {
  close(): Promise<void>;
}

export interface SourceHarness<StandIn, Client, Source> {
  standIn: StandIn;
  client: Client;
  source: Source;
  /** Closes the client, then the stand-in. */
  close(): Promise<void>;
}

/** Starts the stand-in, then builds the client against it and the source on the client. */
export async function startSourceHarness<StandIn extends Closable, Client extends Closable, Source>(
  standIn: Promise<StandIn>,
  client: (standIn: StandIn) => Client,
  source: (client: Client) => Source,
): Promise<SourceHarness<StandIn, Client, Source>> {
  const started = await standIn;
  const built = client(started);
  return {
    standIn: started,
    client: built,
    source: source(built),
    close: async () => {
      await built.close();
      await started.close();
    },
  };
}

/** Every event of one search, in order. */
export async function searchEvents(
  source: LiteratureSource,
  query: string,
  window: SearchWindow,
  signal?: AbortSignal,
): Promise<SearchEvent[]> {
  const events: SearchEvent[] = [];
  for await (const event of source.search(query, window, signal ? { signal } : {})) events.push(event);
  return events;
}

/** The error `run` fails with; it must fail. */
export async function failureOf(run: () => Promise<unknown>): Promise<Error> {
  try {
    await run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the search to fail, and it completed');
}
