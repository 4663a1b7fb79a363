// Notices on an included study, read from recorded PubMed records (test/fixtures/pubmed, NCBI output).
import { describe, expect, it } from 'vitest';
import { detectNotices, isRetractedBy } from '../../../shared/domain/retraction/notices.ts';
import { onlyCitation } from '../pubmed/fixtures.ts';

describe('Function: detectNotices', () => {
  it('finds the retraction of PMID 993: the publication type and RetractionIn naming PMID 195582', () => {
    const citation = onlyCitation('efetch_pubmed_retracted_retractionin_2011.xml');
    const notices = detectNotices(citation);
    expect(notices.map((n) => n.kind)).toEqual(['retracted-publication', 'retraction']);
    expect(notices[1]).toMatchObject({ noticePmid: '195582', key: 'retraction:195582' });
    expect(isRetractedBy(notices)).toBe(true);
  });

  it('finds an erratum (ErratumIn, PMID 35767954) and does not call it a retraction', () => {
    const notices = detectNotices(onlyCitation('efetch_pubmed_erratumin_2025.xml'));
    expect(notices).toEqual([
      expect.objectContaining({ kind: 'erratum', noticePmid: '35767954', key: 'erratum:35767954' }),
    ]);
    expect(isRetractedBy(notices)).toBe(false);
  });

  it('ignores UpdateOf (the record is the update, not an updated article) and Cites', () => {
    expect(detectNotices(onlyCitation('efetch_pubmed_updateof_2025.xml'))).toEqual([]);
    expect(detectNotices(onlyCitation('efetch_pubmed_structured_abstract_inline_markup.xml'))).toEqual([]);
  });

  it('reads ExpressionOfConcernIn and UpdateIn; a notice without PMID is keyed by its citation; repeats are one', () => {
    const notices = detectNotices({
      publicationTypes: ['Journal Article', 'retracted publication'],
      links: [
        { type: 'ExpressionOfConcernIn', pmid: null, refSource: 'J Foo. 2024 Jan;1(2):3' },
        { type: 'UpdateIn', pmid: '42', refSource: null },
        { type: 'UpdateIn', pmid: '42', refSource: 'again' },
        { type: 'RetractionOf', pmid: '7', refSource: null },
      ],
    });
    expect(notices.map((n) => n.key)).toEqual([
      'retracted-publication',
      'expression-of-concern:j-foo-2024-jan-1-2-3',
      'update:42',
    ]);
    expect(isRetractedBy(notices.slice(1))).toBe(false);
  });
});
