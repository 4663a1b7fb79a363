import { describe, expect, it } from 'vitest';
import { doiUrl, fullTextLinks } from '../../../shared/domain/citation/full-text-links.ts';

describe('Function: fullTextLinks', () => {
  it('links PubMed, PMC (only with a PMCID) and the DOI resolver', () => {
    expect(
      fullTextLinks({ pmid: '31415926', pmcid: 'PMC6543210', doi: '10.1000/xyz' }).map((l) => l.url),
    ).toEqual([
      'https://pubmed.ncbi.nlm.nih.gov/31415926/',
      'https://pmc.ncbi.nlm.nih.gov/articles/PMC6543210/',
      'https://doi.org/10.1000/xyz',
    ]);
    expect(fullTextLinks({ pmid: null, pmcid: null, doi: null })).toEqual([]);
    expect(fullTextLinks({ pmid: '1', pmcid: null, doi: null }).map((l) => l.kind)).toEqual(['pubmed']);
  });

  it('never lets a DOI end or change the URL (SICI-style DOIs hold < > ; # and spaces)', () => {
    expect(doiUrl('10.1002/(SICI)1097-0258(19980815/30)17:15/16<1661::AID-SIM968>3.0.CO;2-2')).toBe(
      'https://doi.org/10.1002/%28SICI%291097-0258%2819980815/30%2917%3A15/16%3C1661%3A%3AAID-SIM968%3E3.0.CO%3B2-2',
    );
    expect(doiUrl('10.1000/a#b?c d')).toBe('https://doi.org/10.1000/a%23b%3Fc%20d');
    expect(doiUrl('10.1000/é')).toBe('https://doi.org/10.1000/%C3%A9');
  });
});
