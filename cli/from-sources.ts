// The CLI run from its TypeScript sources (through tsx: development, and whenever the bundle in dist/cli is
// missing or older than the sources; see cli/living-review.js). Every command is loaded up front.
import { commands } from './commands/index.ts';
import { loadedCatalog, runCli } from './main.ts';

await runCli(loadedCatalog(commands));
