import { describe, expect, it } from 'vitest';
import {
  cleanTitle,
  compareJournals,
  decodeEntities,
  foldText,
  journalForms,
  normaliseAuthors,
  startPages,
  titleForms,
  volumeNumber,
} from '../../../shared/domain/dedup/normalise.ts';
import { noticeKindOfTitle } from '../../../shared/domain/dedup/record-kind.ts';

const isNoticeTitle = (title: string) => noticeKindOfTitle(title) !== null;

const words = (title: string) => titleForms(title).map((form) => form.tokens.join(' '));
const names = (authors: string) => normaliseAuthors(authors).map((a) => `${a.family} ${a.initials}`);
const journals = (a: string, b: string) => compareJournals(journalForms(a), journalForms(b));

describe('text folding', () => {
  it('folds case, diacritics, HTML entities, markup and punctuation', () => {
    expect(foldText('Grüne &amp; <i>Müller</i>: a   STUDY')).toBe('grune muller a study');
    expect(foldText('Vázquez-Martínez')).toBe('vazquez martinez');
    expect(foldText('Søren Łukasz Straße')).toBe('soren lukasz strasse');
    expect(foldText('&beta;-blockers and &#945;&#x3B2;')).toBe('beta blockers and alphabeta');
    expect(decodeEntities('Fran&ccedil;aises &eacute;t&Eacute; &unknown;')).toBe('Francaises etE &unknown;');
  });

  it('keeps text that only looks like markup', () => {
    expect(foldText('p < 0.05 and n > 3')).toBe('p 0 05 and n 3');
  });
});

describe('titles', () => {
  it('drops language tags, editorial notes and fields run into the title', () => {
    expect(cleanTitle('Efficacy observation of batroxobin. [Chinese]')).toBe(
      'Efficacy observation of batroxobin',
    );
    expect(cleanTitle('Cognitive training [Article in German]')).toBe('Cognitive training');
    expect(cleanTitle('Trial of streptokinase.[Erratum appears in N Engl J Med. 2005;352(20):2146]')).toBe(
      'Trial of streptokinase',
    );
    expect(cleanTitle('Talc pleurodesis: a randomised trial [Abstract]')).toBe(
      'Talc pleurodesis: a randomised trial',
    );
    expect(cleanTitle('Talc pleurodesis: a randomised trial [Abstr')).toBe(
      'Talc pleurodesis: a randomised trial',
    );
    expect(cleanTitle('gemcitabine plus carboplatin [corrected], with cetuximab')).toBe(
      'gemcitabine plus carboplatin , with cetuximab',
    );
    expect(cleanTitle('[Fast track surgery in lung cancer] LA: Chi')).toBe(
      '[Fast track surgery in lung cancer]',
    );
    expect(cleanTitle('Cardiac stimulation. <ORIGINAL> LA ESTIMULACION CARDIACA.')).toBe(
      'Cardiac stimulation',
    );
    expect(cleanTitle('"Quoted title."')).toBe('Quoted title');
  });

  it('tells notices about an article from articles', () => {
    expect(isNoticeTitle('Erratum')).toBe(true);
    expect(isNoticeTitle('Retraction note to: Effect of X on Y')).toBe(true);
    expect(isNoticeTitle('Reply to Smith et al.')).toBe(true);
    expect(isNoticeTitle('[Comment on: the use of talc]')).toBe(true);
    expect(isNoticeTitle('RETRACTED: Effect of X on Y')).toBe(false);
    expect(isNoticeTitle('Correction of hyponatremia in the elderly')).toBe(false);
    expect(isNoticeTitle('Response to chemotherapy in small-cell lung cancer')).toBe(false);
  });

  it('reads a title in square brackets as a translated title and compares it without them', () => {
    expect(words('[A study on the use of mycobacterium vaccine]')).toEqual([
      'a study on the use of mycobacterium vaccine',
    ]);
    expect(words('A study on the use of mycobacterium vaccine')).toEqual(
      words('[A study on the use of mycobacterium vaccine].'),
    );
  });

  it('offers each language of a bilingual title as a form of its own', () => {
    expect(
      words(
        'Utilidad de los antimicrobianos en la toracostomía; Are antimicrobials useful in closed thoracostomy?',
      ),
    ).toEqual([
      'utilidad de los antimicrobianos en la toracostomia are antimicrobials useful in closed thoracostomy',
      'utilidad de los antimicrobianos en la toracostomia',
      'are antimicrobials useful in closed thoracostomy',
    ]);
    // A short part ("preliminary results") is not a title of its own.
    expect(words('Silver nitrate for pleurodesis; preliminary results')).toEqual([
      'silver nitrate for pleurodesis preliminary results',
      'silver nitrate for pleurodesis',
    ]);
  });
});

describe('authors', () => {
  it('reads the common export forms as family names plus initials', () => {
    const zhai = ['zhai QJ', 'yue XY'];
    expect(names('Zhai, Q. J. and Yue, X. Y.')).toEqual(zhai);
    expect(names('Zhai QJ, Yue XY')).toEqual(zhai);
    expect(names('Q. J. Zhai, X. Y. Yue')).toEqual(zhai);
    expect(names('Zhai, Qing-Jun; Yue, Xiao Yan')).toEqual(zhai);
    expect(names('Smith J, Jones K and Brown L')).toEqual(['smith J', 'jones K', 'brown L']);
    expect(names('Smith, John, Jones, Karen')).toEqual(['smith J', 'jones K']);
    expect(names('Zhou, Xiangdong')).toEqual(['zhou X']);
    // Scopus: dotted initials after the family name, comma between names.
    expect(names('Zhai Q.J., Yue X.Y.')).toEqual(zhai);
    expect(names('Zhai Q. J., Yue X.-Y.')).toEqual(zhai);
    expect(names('Brown J., Kim S.')).toEqual(['brown J', 'kim S']);
  });

  it('drops particles, generational suffixes and "et al."', () => {
    expect(names('Lynch, T. J., Jr. and von Pawel, J. and Weyhing, B. T., 3rd')).toEqual([
      'lynch TJ',
      'pawel J',
      'weyhing BT',
    ]);
    expect(names('Lynch Jr, T. J. and St Peter, Shawn D. and Ruiter De, M.')).toEqual([
      'lynch TJ',
      'peter SD',
      'ruiter M',
    ]);
    expect(names('Grundström, K. and Müller, H.-J. and et al.')).toEqual(['grundstrom K', 'muller HJ']);
  });

  it('takes structured authors as they are, group authors as one name', () => {
    expect(
      normaliseAuthors([
        { family: 'Müller', given: 'Hans Jürgen', initials: null },
        { family: 'Zhai', given: null, initials: 'QJ' },
        { collective: 'North American Linomide Investigators' },
      ]),
    ).toEqual([
      { family: 'muller', initials: 'HJ', given: 'hansjurgen' },
      { family: 'zhai', initials: 'QJ', given: '' },
      { family: 'northamericanlinomideinvestigators', initials: '', given: '' },
    ]);
    expect(normaliseAuthors(null)).toEqual([]);
  });
});

describe('journals', () => {
  it('matches a journal with its ISO abbreviation, spaced or run together', () => {
    expect(journals('Arch-Intern-Med', 'Archives of Internal Medicine')).toBe('same');
    expect(journals('Dtsch-Med-Wochenschr', 'Deutsche Medizinische Wochenschrift')).toBe('same');
    expect(journals('Jthoraccardiovascsurg', 'The Journal of thoracic and cardiovascular surgery')).toBe(
      'same',
    );
    expect(journals('Cir Cir', 'Cirugia y cirujanos')).toBe('same');
    expect(journals('J Clin Oncol', 'Journal of clinical oncology : official journal of the ASCO')).toBe(
      'same',
    );
  });

  it('matches parallel titles, place qualifiers and punctuation variants', () => {
    expect(
      journals('Zhongguo fei ai za zhi = Chinese journal of lung cancer', 'Chinese Journal of Lung Cancer'),
    ).toBe('same');
    expect(journals('Lung cancer (Amsterdam, Netherlands)', 'Lung Cancer')).toBe('same');
    expect(
      journals(
        'JPEN. Journal of parenteral and enteral nutrition',
        'Jpen: Journal of Parenteral & Enteral Nutrition',
      ),
    ).toBe('same');
    expect(journals('Journal of Trauma', 'Journal of Trauma-Injury Infection & Critical Care')).toBe(
      'compatible',
    );
  });

  it('tells different journals apart', () => {
    expect(journals('J Clin Oncol', 'J Cell Biol')).toBe('different');
    expect(journals('Stroke', 'Cerebrovascular Diseases')).toBe('different');
    expect(compareJournals(journalForms(null), journalForms('Chest'))).toBe('unknown');
  });
});

describe('pages, volumes', () => {
  it('reduces pages to first pages', () => {
    expect(startPages('149-155')).toEqual([149]);
    expect(startPages('149-55')).toEqual([149]);
    expect(startPages('149')).toEqual([149]);
    expect(startPages('S385S-389')).toEqual([385]);
    expect(startPages('iii33-iii44')).toEqual([33]);
    expect(startPages('742-8; discussion 748-9')).toEqual([742, 748]);
    expect(startPages('"230-5, 246-51, 233-8"')).toEqual([230, 246, 233]);
    expect(startPages('CD006273')).toEqual([6273]);
  });

  it('has no pages for a count of pages, "No Pagination Specified" or a range a spreadsheet made a date', () => {
    expect(startPages('215 p')).toBeNull();
    expect(startPages('No Pagination Specified')).toBeNull();
    expect(startPages('01-Sep')).toBeNull();
    expect(startPages(null)).toBeNull();
  });

  it('reads the volume number', () => {
    expect(volumeNumber('30a')).toBe(30);
    expect(volumeNumber('35 Suppl 1')).toBe(35);
    expect(volumeNumber('Ph.D.')).toBeNull();
    expect(volumeNumber(null)).toBeNull();
  });
});
