import { describe, expect, it } from 'vitest';
import type { DedupRecord } from '../../../shared/domain/dedup/dedup-record.ts';
import { compareRecords, prepareRecord, scorePair } from '../../../shared/domain/dedup/pair-score.ts';

function record(fields: Partial<DedupRecord>): DedupRecord {
  return {
    id: 'r',
    title: '',
    authors: null,
    year: null,
    journal: null,
    volume: null,
    issue: null,
    pages: null,
    doi: null,
    pmid: null,
    ...fields,
  };
}
const decide = (a: Partial<DedupRecord>, b: Partial<DedupRecord>) =>
  scorePair(prepareRecord(record({ id: 'a', ...a })), prepareRecord(record({ id: 'b', ...b })));

describe('pair decisions', () => {
  it('merges a language-tagged record with its translated-title record from another database', () => {
    const verdict = decide(
      {
        title: '[Cognitive disorders and its correction in the acute period of ischemic stroke]. [Russian]',
        authors: 'Prokopenko, S. V. and Mozheiko, E. I. and Levin, O. S.',
        year: 2012,
        journal: 'Zhurnal nevrologii i psikhiatrii imeni S.S. Korsakova / Ministerstvo zdravookhraneniia',
        volume: '112',
        pages: '35-39',
      },
      {
        title: 'Cognitive disorders and its correction in the acute period of ischemic stroke',
        authors: 'Prokopenko SV, Mozheiko EIu, Levin OS',
        year: 2012,
        journal: 'Zh Nevrol Psikhiatr Im S S Korsakova',
        volume: '112',
        pages: '35-9',
      },
    );
    expect(verdict.decision).toBe('duplicate');
    expect(verdict.reasons).toEqual(expect.arrayContaining(['title exact', 'journal same', 'pages same']));
  });

  it('merges differently translated titles only where the page of the volume is the same', () => {
    const english = {
      title:
        'Antibiotic prophylaxis in pulmonary surgery. A controlled double-blind study of amoxicillin versus cefamandole',
      authors: 'Train, M. and Soulard, D. and Bouyer, L.',
      year: 1994,
      journal: 'Ann Fr Anesth Reanim',
      volume: '13',
      pages: '280-284',
    };
    const translated = {
      ...english,
      title:
        '[Comparison of amoxicillin and cefamandole in the prevention of bronchopulmonary infections in pulmonary surgery. A randomized double-blind study]',
      journal: 'Annales francaises d anesthesie et de reanimation',
    };
    expect(decide(english, translated).decision).toBe('duplicate');
    expect(decide(english, { ...translated, pages: '300-304' }).decision).not.toBe('duplicate');
  });

  it('never merges on a shared DOI when the titles differ (abstracts of one supplement)', () => {
    const supplement = {
      doi: 'https://doi.org/10.1016/S0140-6736(13)60000-0',
      year: 2013,
      journal: 'Lancet',
      volume: '381',
      pages: 'S1',
      authors: 'Smith, J. and Jones, K.',
    };
    const a = { ...supplement, title: 'Talc poudrage versus slurry for malignant pleural effusion' };
    const b = {
      ...supplement,
      doi: '10.1016/s0140-6736(13)60000-0',
      title: 'Indwelling pleural catheters in the community',
    };
    const verdict = decide(a, b);
    expect(compareRecords(prepareRecord(record(a)), prepareRecord(record(b))).doi).toBe('same');
    expect(verdict.decision).not.toBe('duplicate');
    // The same DOI with the same title is a duplicate.
    expect(decide(a, { ...b, title: a.title }).decision).toBe('duplicate');
  });

  it('keeps apart the same title with other years, volumes and pages (an abstract presented twice)', () => {
    const abstract = {
      title:
        'Feasibility of neurofeedback for reducing neurocognitive deficits after a childhood brain tumour',
      authors: 'Aukema, E. and De Ruiter, M. and Last, B.',
      journal: 'Pediatric Blood and Cancer',
    };
    const verdict = decide(
      { ...abstract, year: 2010, volume: '55', pages: '965-966' },
      {
        ...abstract,
        authors: 'Aukema, E. and Ruiter De, M. and Last, B.',
        year: 2011,
        volume: '56',
        pages: '1161-1162',
      },
    );
    expect(verdict.decision).not.toBe('duplicate');
    expect(verdict.reasons).toEqual(
      expect.arrayContaining(['authors same (3 matched)', 'year one apart', 'pages different']),
    );
  });

  it('keeps apart companion papers whose titles differ by a number', () => {
    const focus = (n: number, pages: string) => ({
      title: `FOCUS ${n}: a randomized, double-blinded, multicentre, phase III trial of ceftaroline fosamil versus ceftriaxone in community-acquired pneumonia`,
      authors: 'File Jr, T. M. and Low, D. E. and Eckburg, P. B.',
      year: 2011,
      journal: 'Journal of Antimicrobial Chemotherapy',
      volume: '66',
      pages,
    });
    const verdict = decide(focus(1, 'iii19-iii32'), focus(2, 'iii33-iii44'));
    expect(verdict.decision).toBe('distinct');
    expect(verdict.differed).toEqual([
      'title numbers different: numbers 1,3 / 2,3',
      'other pages of the same volume',
    ]);
  });

  it('does not merge the same title by other authors (book reviews of one book)', () => {
    const review = { title: 'Review of Memory rehabilitation: Integrating theory and practice', year: 2010 };
    const verdict = decide(
      {
        ...review,
        authors: 'Balon, Richard',
        journal: 'Annals of Clinical Psychiatry',
        volume: '22',
        pages: '139-140',
      },
      {
        ...review,
        authors: 'Winegardner, Jill',
        journal: 'Neuropsychological Rehabilitation',
        volume: '20',
        pages: '479-480',
      },
    );
    expect(verdict.decision).toBe('distinct');
  });

  it('asks a person about the same title when little else is known', () => {
    const verdict = decide(
      {
        title: 'An intelligent rehabilitation system for cognitive rehabilitation',
        authors: 'Yip, Chi Bun',
        year: 2012,
      },
      {
        title: 'An intelligent rehabilitation system for cognitive rehabilitation',
        authors: 'Yip, C. B.',
        year: 2011,
      },
    );
    expect(verdict.decision).toBe('possible');
    expect(verdict.score).toBeGreaterThan(0);
    expect(verdict.score).toBeLessThanOrEqual(1);
  });

  it('keeps an erratum or a comment apart from the article it repeats the title of', () => {
    const article = {
      title: 'Talc poudrage versus talc slurry for malignant pleural effusion',
      year: 2020,
      journal: 'JAMA',
      volume: '323',
    };
    expect(decide(article, { ...article }).decision).toBe('duplicate');
    for (const notice of [
      'Erratum: Talc poudrage versus talc slurry for malignant pleural effusion',
      'Correction to: Talc poudrage versus talc slurry for malignant pleural effusion',
      'Comment on: Talc poudrage versus talc slurry for malignant pleural effusion',
      'Re: Talc poudrage versus talc slurry for malignant pleural effusion',
    ]) {
      const verdict = decide(article, { ...article, title: notice });
      expect(verdict.decision).not.toBe('duplicate');
      expect(verdict.differed[0]).toMatch(/^one is a (correction|comment), the other is not$/);
    }
  });

  it('never merges a Web of Science correction notice into its article (issue #16, item 12)', () => {
    const article = {
      title: 'Dexamethasone in hospitalized patients with community-acquired pneumonia: a randomized trial',
      authors: 'Blum, C. A. and Nigro, N. and Briel, M.',
      year: 2009,
      journal: 'European Respiratory Journal',
      volume: '34',
      pages: '612-620',
    };
    // The correction in the same volume and year, exported without pages: the title with "(vol, pg, year)".
    const correction = {
      ...article,
      title: `${article.title} (vol 34, pg 612, 2009)`,
      journal: 'EUROPEAN RESPIRATORY JOURNAL',
      pages: null,
    };
    const verdict = decide(article, correction);
    expect(verdict.decision).toBe('distinct');
    expect(verdict.differed).toContain('one is a correction, the other is not');
    // Two copies of the notice from two databases are one notice.
    expect(
      decide(correction, { ...correction, title: `Erratum: ${article.title}`, authors: null }).decision,
    ).toBe('duplicate');
  });

  it('never merges a correction notice into its article, by its WoS title or its type (issue #16 item 12)', () => {
    // WoS titles a correction as the article's title followed by where the article appeared.
    const article = {
      title: 'Survival after surgery for intradural extramedullary spinal metastases',
      authors: 'Moreau, C. and Tanaka, H.',
      year: 2009,
      journal: 'JOURNAL OF NEURO-ONCOLOGY',
      volume: '39',
      pages: '2-9',
    };
    for (const title of [
      `${article.title} (vol 39, pg 2, 2009)`,
      `${article.title} (vol 39, art no e1234, 2009)`,
      `${article.title} (Vol 39, Pg 2, 2009)`,
    ]) {
      // Printed later in the volume, or early access with no page and no year yet.
      for (const place of [{ pages: '1250' }, { pages: null, year: null }]) {
        const verdict = decide(article, { ...article, title, ...place });
        expect(verdict.decision, title).not.toBe('duplicate');
        expect(verdict.differed.join('; ')).toMatch(/one is a correction/);
      }
    }
    // Its document type says it too, whatever its title: WoS "Correction", PubMed "Published Erratum".
    for (const type of ['Correction', 'Published Erratum', 'Erratum', 'Retraction of Publication']) {
      const notice = { ...article, pages: '1250', type };
      expect(decide(article, notice).decision, type).not.toBe('duplicate');
    }
    // The very same place (year, volume, first page) and the same authors still do not make it the article.
    const samePlace = { ...article, title: `${article.title} (vol 39, pg 2, 2009)` };
    expect(decide(article, samePlace).decision).not.toBe('duplicate');
    // Two records of the one notice are still the same notice.
    const notice = { ...article, title: `${article.title} (vol 39, pg 2, 2009)`, pages: '1250', year: 2010 };
    expect(decide(notice, { ...notice }).decision).toBe('duplicate');
  });

  it('needs more than a short generic title, the year, the journal and the volume', () => {
    const editorial = { title: 'Editorial', year: 2010, journal: 'Chest', volume: '138' };
    expect(decide(editorial, { ...editorial }).decision).not.toBe('duplicate');
    expect(decide({ ...editorial, pages: '1-2' }, { ...editorial, pages: '1-2' }).decision).toBe('duplicate');
  });

  it('reads authors exported with family and given names swapped as the same authors', () => {
    const evidence = compareRecords(
      prepareRecord(record({ authors: 'Wu, Ching-yi and Yang, Chieh-ling' })),
      prepareRecord(record({ authors: 'Ching-yi, Wu and Chieh-ling, Yang' })),
    );
    expect(evidence.authors).toBe('same');
  });

  it('never merges a protocol with its review, even when an export gives both the same DOI stem', () => {
    const review = {
      title: 'Spinal cord stimulation for failed back surgery syndrome',
      authors: 'Karlsson, E. and Holm, P.',
      journal: 'Cochrane Database of Systematic Reviews',
      pages: 'CD012345',
      doi: '10.1002/14651858.CD012345',
    };
    const byType = decide(
      { ...review, year: 2015, type: 'Review' },
      { ...review, year: 2015, type: 'Protocol' },
    );
    expect(byType.decision).toBe('distinct');
    expect(byType.differed).toContain('one is a protocol (its publication type), the other is not');
    // Without types, one DOI two years apart is for a person to decide, never certain.
    const byYears = decide({ ...review, year: 2015 }, { ...review, year: 2013 });
    expect(byYears.decision).toBe('possible');
    expect(byYears.differed).toContain('years two or more apart (the same doi)');
    // A protocol type on one side and none on the other says nothing: the same record, merged.
    expect(decide({ ...review, year: 2015, type: 'Protocol' }, { ...review, year: 2015 }).decision).toBe(
      'duplicate',
    );
  });

  it('never merges an article with its data set or supplementary material deposited under its title', () => {
    const article = {
      title: 'Decompression for cervical myelopathy: a cost-effectiveness analysis',
      authors: 'Brown, J. and Kim, S.',
      year: 2018,
      journal: 'Spine',
      volume: '43',
      pages: 'e100-e108',
    };
    const verdict = decide(
      { ...article, type: 'Article', doi: '10.1097/BRS.0000000000002400' },
      { ...article, type: 'Dataset', doi: '10.1097/BRS.0000000000002400.supp1' },
    );
    expect(verdict.decision).toBe('distinct');
  });
});
