// Format detection from content, byte decoding (BOMs, UTF-16, Windows-1252), author names as databases
// write them, dates, inline abstracts and stable ids for records without one.
import { describe, expect, it } from 'vitest';
import {
  citationFromFields,
  emptyFields,
  initialsOf,
  inlineAbstract,
  monthOf,
  parsePersonName,
  yearOf,
} from '../../../shared/adapters/exports/export-record.ts';
import { decodeExportBytes } from '../../../shared/adapters/exports/export-text.ts';
import { detectExportFormat, formatFromName } from '../../../shared/adapters/exports/parse-export.ts';
import { InputError } from '../../../shared/errors.ts';
import { exportText } from './fixtures.ts';

describe('detectExportFormat', () => {
  it.each([
    ['embase-ovid.ris', 'ris'],
    ['scopus.ris', 'ris'],
    ['wos.ris', 'ris'],
    ['pubmed.nbib', 'medline'],
    ['scopus.csv', 'scopus-csv'],
    ['wos-tab-win.txt', 'wos-tab'],
    ['wos-tab-utf8.txt', 'wos-tab'],
  ])('%s is %s', (file, format) => {
    expect(detectExportFormat(exportText(file), file)).toBe(format);
  });

  it('recognises PubMed XML, and says what an unsupported export looks like', () => {
    expect(detectExportFormat('<?xml version="1.0" ?>\n<!DOCTYPE PubmedArticleSet>', 'x')).toBe('pubmed-xml');
    expect(detectExportFormat('\n<PubmedArticleSet>', 'x')).toBe('pubmed-xml');
    expect(() =>
      detectExportFormat('FN Clarivate Analytics Web of Science\nVR 1.0\n', 'savedrecs.txt'),
    ).toThrow(
      /savedrecs\.txt: cannot tell.*Web of Science plain-text export; export "Tab delimited file" instead/,
    );
    expect(() => detectExportFormat('@article{key,\n title={x}}', 'refs.bib')).toThrow(/BibTeX/);
    expect(() => detectExportFormat('hello', 'notes.txt')).toThrow(InputError);
  });

  it('maps --format names and aliases', () => {
    expect(formatFromName('NBIB')).toBe('medline');
    expect(formatFromName('wos')).toBe('wos-tab');
    expect(formatFromName('csv')).toBe('scopus-csv');
    expect(() => formatFromName('endnote')).toThrow(/unknown format "endnote"/);
  });
});

describe('decodeExportBytes', () => {
  it('removes a UTF-8 BOM and decodes UTF-16 with either BOM, or none', () => {
    expect(decodeExportBytes(Buffer.from('\uFEFFTY  - JOUR', 'utf8'))).toBe('TY  - JOUR');
    expect(
      decodeExportBytes(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('PT\tTI', 'utf16le')])),
    ).toBe('PT\tTI');
    const be = Buffer.from('PT\tTI', 'utf16le').swap16();
    expect(decodeExportBytes(Buffer.concat([Buffer.from([0xfe, 0xff]), be]))).toBe('PT\tTI');
    expect(decodeExportBytes(Buffer.from('PT\tTI', 'utf16le'))).toBe('PT\tTI');
  });

  it('reads a file that is not UTF-8 as Windows-1252', () => {
    expect(decodeExportBytes(Buffer.from([0x4d, 0xfc, 0x6c, 0x6c, 0x65, 0x72, 0x96]))).toBe('Müller–');
  });
});

describe('parsePersonName', () => {
  it.each([
    ['Moreau, Camille', { family: 'Moreau', given: 'Camille', initials: 'C', orcid: null }],
    ['Moreau, C. A.', { family: 'Moreau', given: null, initials: 'CA', orcid: null }],
    ['Moreau, CA', { family: 'Moreau', given: null, initials: 'CA', orcid: null }],
    ['Garcia, Maria Jose', { family: 'Garcia', given: 'Maria Jose', initials: 'MJ', orcid: null }],
    ['Dupont, Jean-Pierre', { family: 'Dupont', given: 'Jean-Pierre', initials: 'JP', orcid: null }],
    ['Smith, John, Jr.', { family: 'Smith', given: 'John', initials: 'J', orcid: null }],
    ['Moreau CA', { family: 'Moreau', given: null, initials: 'CA', orcid: null }],
    ['Moreau C.A.', { family: 'Moreau', given: null, initials: 'CA', orcid: null }],
    ['van der Berg K', { family: 'van der Berg', given: null, initials: 'K', orcid: null }],
    ['Moreau, Camille (57201234567)', { family: 'Moreau', given: 'Camille', initials: 'C', orcid: null }],
    ['Spine Oncology Study Group', { collective: 'Spine Oncology Study Group', orcid: null }],
    ['Madonna', { family: 'Madonna', given: null, initials: null, orcid: null }],
  ])('%s', (text, author) => {
    expect(parsePersonName(text)).toEqual(author);
  });

  it('gives nothing for an empty name', () => {
    expect(parsePersonName('  ')).toBeNull();
    expect(initialsOf('J. A.')).toBe('JA');
  });
});

describe('dates and abstracts', () => {
  it('reads years and months from every export style', () => {
    expect(['2021', '2021//', '2021/09/15/', '2021 Sep 15', 'SEP 2021', 'JAN 2024'].map(yearOf)).toEqual([
      2021, 2021, 2021, 2021, 2021, 2024,
    ]);
    expect(['2021', '2021/09/15/', '2021 Sep 15', 'SEP 2021', 'MAR', '2021-13'].map(monthOf)).toEqual([
      null,
      9,
      9,
      9,
      3,
      null,
    ]);
  });

  it('splits headings only when the abstract starts with one and has two or more', () => {
    expect(inlineAbstract('OBJECTIVE: To test. DESIGN AND SETTING: A trial.')).toEqual([
      { label: 'OBJECTIVE', category: null, text: 'To test.' },
      { label: 'DESIGN AND SETTING', category: null, text: 'A trial.' },
    ]);
    expect(inlineAbstract('We found that ratio: 2 to 1. Results: none.')).toEqual([
      { label: null, category: null, text: 'We found that ratio: 2 to 1. Results: none.' },
    ]);
    expect(inlineAbstract('[No abstract available]')).toEqual([]);
  });
});

describe('citationFromFields', () => {
  it('rejects a record with nothing to screen or deduplicate on, keeps one without a title, flags "RETRACTED:"', () => {
    expect(citationFromFields(emptyFields(), 'embase')).toEqual({
      reason:
        'title, authors, year and journal are all empty: nothing to screen or deduplicate on (is the file in the format it was read as?)',
    });
    const untitled = citationFromFields({ ...emptyFields(), year: 2020, pmid: '12' }, 'embase');
    expect('citation' in untitled && [untitled.citation.title, untitled.citation.pmid]).toEqual(['', '12']);
    const built = citationFromFields({ ...emptyFields(), title: 'RETRACTED: A study' }, 'embase');
    expect('citation' in built && built.citation.isRetracted).toBe(true);
  });

  it('keeps identifiers only when they are valid', () => {
    const built = citationFromFields(
      { ...emptyFields(), title: 'T', pmid: 'PMID 12', doi: 'doi:10.1000/ABC.', pmcid: 'pmc0042' },
      'embase',
    );
    expect('citation' in built && [built.citation.pmid, built.citation.doi, built.citation.pmcid]).toEqual([
      null,
      '10.1000/abc',
      'PMC42',
    ]);
  });
});
