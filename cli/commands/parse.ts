// `living-review parse FILE --format jsonl`: parses a PubMed XML file (an efetch response, a baseline or update
// file, any size) and prints every citation as one JSON object per line. Nothing is stored. PMIDs the file
// deletes (DeleteCitation) are a note on stderr, not output lines.
import { parsePubmedFile } from '../../shared/adapters/pubmed/parse-pubmed-xml.ts';
import { type Command, UsageError } from '../command.ts';
import { jsonText } from '../format.ts';

const FORMATS = ['jsonl'];

export const parseCommand: Command = {
  name: 'parse',
  summary: 'Parse a PubMed XML file; prints each citation as one JSON line (stores nothing)',
  usage: 'parse FILE [--format jsonl]',
  options: { format: { type: 'string', default: 'jsonl' } },
  positionals: true,
  async run({ values, positionals }, io) {
    const format = values.format;
    if (typeof format !== 'string' || !FORMATS.includes(format)) {
      throw new UsageError(`--format ${String(format)} is not supported (formats: ${FORMATS.join(', ')})`);
    }
    if (positionals.length !== 1) throw new UsageError('give exactly one FILE');
    const file = positionals[0]!;
    let citations = 0;
    const deleted: string[] = [];
    for await (const item of parsePubmedFile(file)) {
      if ('citation' in item) {
        io.out(jsonText(item.citation));
        citations++;
      } else {
        deleted.push(...item.deletedPmids);
      }
    }
    if (deleted.length > 0) {
      io.err(`note: ${file} deletes ${deleted.length} PMID(s), not printed: ${deleted.join(', ')}`);
    }
    if (io.interactive) io.err(`${citations} citation(s)`);
    return 0;
  },
};
