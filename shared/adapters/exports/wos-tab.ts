// Web of Science's tab-delimited export ("Tab delimited file", Win or Mac, UTF-8; the older "Win" files are
// UTF-16LE): a header row of Web of Science's two-letter field tags (PT AU BA BE GP AF BF CA TI SO ... UT
// ...), then one record a row, cells separated by tabs, no quoting, many rows ending with a stray tab.
// Repeated values share a cell, separated by "; " (AU "Moreau, C; Tanaka, H", AF "Moreau, Camille; ...").
//
// Tags read (Clarivate's field tag list): UT accession number ("WOS:..."), TI title, AF full author names
// (else AU), CA group authors, SO source (journal, in capitals), J9 / JI abbreviations, PY year, PD month
// ("SEP 2021", "SEP 15"), VL volume, IS issue, BP / EP pages (AR article number when there are none), DI DOI,
// PM PubMed ID, AB abstract, DE author keywords, ID Keywords Plus, LA language, DT document type, SN ISSN.
//
// Structure errors (InputError, nothing imported): a header without TI, a row with more cells than the
// header has tags.

import type { Author } from '../../domain/citation/citation.ts';
import { InputError } from '../../errors.ts';
import {
  clean,
  type ExportItem,
  type ExportLineReader,
  type ExportParseResult,
  emptyFields,
  exportItem,
  inlineAbstract,
  joinPages,
  monthOf,
  parsePersonName,
  readExportText,
  semicolonList,
  yearOf,
} from './export-record.ts';

/** A reader of a Web of Science tab-delimited export; `source` is the database the records came from. */
export function createWosTabReader(options: { origin: string; source: string }): ExportLineReader {
  const { origin } = options;
  let tags: string[] | null = null;
  let columns = new Map<string, number>();
  return {
    line(line, number): ExportItem[] {
      if (line.trim() === '') return [];
      if (tags === null) {
        tags = line.split('\t').map((tag) => tag.trim());
        while (tags.length > 0 && tags[tags.length - 1] === '') tags.pop();
        columns = new Map(tags.map((tag, i) => [tag, i]));
        if (!columns.has('TI')) {
          throw new InputError(
            `${origin} line ${number}: not a Web of Science tab-delimited export: the header row has no TI tag`,
          );
        }
        return [];
      }
      const cells = line.split('\t');
      while (cells.length > tags.length && cells[cells.length - 1]!.trim() === '') cells.pop();
      if (cells.length > tags.length) {
        throw new InputError(
          `${origin} line ${number}: the row has ${cells.length} cells where the header has ${tags.length} tags`,
        );
      }
      return [wosItem(cells, columns, number, options.source)];
    },
    end() {
      if (tags === null) throw new InputError(`${origin}: empty file (no header row)`);
      return [];
    },
    warnings: () => [],
  };
}

/** Parses a Web of Science tab-delimited export; `source` is the database the records came from. */
export function parseWosTab(text: string, options: { origin: string; source: string }): ExportParseResult {
  return readExportText(text, 'wos-tab', createWosTabReader(options), options.origin);
}

/** One row's citation (or rejection). */
function wosItem(cells: string[], columns: Map<string, number>, line: number, source: string): ExportItem {
  const cell = (tag: string) => {
    const at = columns.get(tag);
    return at === undefined ? null : clean(cells[at]);
  };
  const fields = emptyFields();
  fields.recordId = cell('UT');
  fields.title = cell('TI');
  const names = semicolonList(cell('AF')).length > 0 ? semicolonList(cell('AF')) : semicolonList(cell('AU'));
  fields.authors = [
    ...names.map(parsePersonName).filter((a): a is Author => a !== null),
    ...semicolonList(cell('CA')).map((collective) => ({ collective, orcid: null })),
  ];
  fields.year = yearOf(cell('PY')) ?? yearOf(cell('EA'));
  fields.month = monthOf(cell('PD'));
  fields.journal = cell('SO');
  fields.journalAbbreviation = cell('JI') ?? cell('J9');
  fields.issn = cell('SN') ?? cell('EI');
  fields.volume = cell('VL');
  fields.issue = cell('IS');
  fields.pages = joinPages(cell('BP'), cell('EP')) ?? cell('AR');
  fields.doi = cell('DI');
  fields.pmid = cell('PM');
  fields.abstract = inlineAbstract(cell('AB'));
  fields.keywords = [...semicolonList(cell('DE')), ...semicolonList(cell('ID'))];
  fields.languages = semicolonList(cell('LA'));
  fields.publicationTypes = semicolonList(cell('DT'));
  return exportItem(fields, line, source);
}
