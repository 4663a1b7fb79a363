// What kind of item a record is: notices, supplement abstracts, generic titles, and what tells alike titles
// apart (labels, populations, protocol vs results).
import { describe, expect, it } from 'vitest';
import {
  isGenericTitle,
  isSupplementAbstract,
  noticeKindOfTitle,
  noticeKindOfType,
  noticeSubject,
  titleDistinctions,
  titleMarks,
  titleTokens,
  withoutNoticeSuffix,
} from '../../../shared/domain/dedup/record-kind.ts';

const distinctions = (a: string, b: string) =>
  titleDistinctions(titleMarks(titleTokens(a)), titleMarks(titleTokens(b)));

describe('notices', () => {
  it("reads Web of Science's correction, retraction and reprint suffixes", () => {
    const title = 'Dexamethasone in community-acquired pneumonia';
    expect(withoutNoticeSuffix(`${title} (vol 34, pg 612, 2009)`)).toEqual({ title, notice: 'correction' });
    expect(withoutNoticeSuffix(`${title} (vol 12, 345, 2008)`)).toEqual({ title, notice: 'correction' });
    expect(withoutNoticeSuffix(`${title} (Retraction of vol 34, pg 612, 2009)`).notice).toBe('retraction');
    expect(withoutNoticeSuffix(`${title} (Reprinted from Lancet, vol 1, pg 2, 2001)`).notice).toBe('reprint');
    // A parenthesis that is not a notice stays.
    expect(withoutNoticeSuffix('Outcomes in stage IV (M1c) disease')).toEqual({
      title: 'Outcomes in stage IV (M1c) disease',
      notice: null,
    });
  });

  it('reads notice titles, and leaves articles whose titles merely start with such words', () => {
    expect(noticeKindOfTitle('Erratum: Effect of X on Y')).toBe('correction');
    expect(noticeKindOfTitle('Correction to: Effect of X on Y')).toBe('correction');
    expect(noticeKindOfTitle('Author Correction: Effect of X on Y')).toBe('correction');
    expect(noticeKindOfTitle('Retraction notice to "Effect of X on Y"')).toBe('retraction');
    expect(noticeKindOfTitle('Notice of Retraction: Effect of X on Y')).toBe('retraction');
    expect(noticeKindOfTitle('Expression of concern: Effect of X on Y')).toBe('concern');
    expect(noticeKindOfTitle('Comment on: Effect of X on Y')).toBe('comment');
    expect(noticeKindOfTitle('Re: Effect of X on Y')).toBe('comment');
    expect(noticeKindOfTitle('In reply')).toBe('reply');
    expect(noticeKindOfTitle('Asthma in pregnancy. Reply')).toBe('reply');
    expect(noticeKindOfTitle("Effect of X on Y - authors' reply")).toBe('reply');
    expect(noticeKindOfTitle('RETRACTED: Effect of X on Y')).toBeNull();
    expect(noticeKindOfTitle('Correction of hyponatremia in the elderly')).toBeNull();
    expect(noticeKindOfTitle('Response to chemotherapy in small-cell lung cancer')).toBeNull();
    expect(noticeKindOfTitle('Antibody response after vaccination: a cohort')).toBeNull();
    expect(noticeKindOfTitle('T-cell immune-response')).toBeNull();
  });

  it('reads notice publication types, not the retracted article itself', () => {
    expect(noticeKindOfType('Published Erratum')).toBe('correction');
    expect(noticeKindOfType('Erratum')).toBe('correction');
    expect(noticeKindOfType('Correction')).toBe('correction');
    expect(noticeKindOfType('Retraction of Publication')).toBe('retraction');
    expect(noticeKindOfType('Journal Article; Expression of Concern')).toBe('concern');
    expect(noticeKindOfType('Retracted Publication')).toBeNull();
    expect(noticeKindOfType('Letter; Comment')).toBeNull();
    expect(noticeKindOfType(null)).toBeNull();
  });

  it("finds the article's title inside a notice's", () => {
    expect(noticeSubject('Erratum: Effect of X on Y')).toBe('Effect of X on Y');
    expect(noticeSubject('Retraction note to: Effect of X on Y')).toBe('Effect of X on Y');
    expect(noticeSubject('Effect of X on Y (vol 3, pg 5, 2009)')).toBe('Effect of X on Y');
    expect(noticeSubject('Correction of hyponatremia')).toBeNull();
  });
});

describe('supplement abstracts', () => {
  const fields = { volume: null, issue: null, pages: null, journal: null, type: null };
  it('are told by their pages, volume, issue, journal or type', () => {
    expect(isSupplementAbstract({ ...fields, pages: 'S354' })).toBe(true);
    expect(isSupplementAbstract({ ...fields, pages: 'v354-v355' })).toBe(true);
    expect(isSupplementAbstract({ ...fields, pages: 'iii19-iii32' })).toBe(true);
    expect(isSupplementAbstract({ ...fields, pages: 'A4912' })).toBe(true);
    expect(isSupplementAbstract({ ...fields, issue: 'SUPPL. 3' })).toBe(true);
    expect(isSupplementAbstract({ ...fields, volume: '35 Suppl 1' })).toBe(true);
    expect(isSupplementAbstract({ ...fields, journal: 'Journal of X. Conference: 8th Annual Meeting' })).toBe(
      true,
    );
    expect(isSupplementAbstract({ ...fields, type: 'Conference Abstract' })).toBe(true);
    expect(isSupplementAbstract({ ...fields, type: 'Meeting Abstract' })).toBe(true);
  });

  it('are not electronic pages or regular issues', () => {
    expect(isSupplementAbstract({ ...fields, pages: 'e0123456' })).toBe(false);
    expect(isSupplementAbstract({ ...fields, pages: 'E180-E186' })).toBe(false);
    expect(isSupplementAbstract({ ...fields, pages: '149-55', issue: '2', volume: '38' })).toBe(false);
    expect(
      isSupplementAbstract({ ...fields, journal: 'Proceedings of the National Academy of Sciences' }),
    ).toBe(false);
  });
});

describe('generic titles', () => {
  it('are titles made of words that name a kind of item', () => {
    for (const title of [
      "Editor's comments",
      'In this issue',
      'Reply to the letter to the editor',
      'Book reviews',
    ])
      expect(isGenericTitle(titleTokens(title)), title).toBe(true);
    expect(isGenericTitle(titleTokens('Asthma in pregnancy'))).toBe(false);
  });
});

describe('what tells alike titles apart', () => {
  it('labels of a series: numbers, roman numerals and letters after a label word', () => {
    expect(distinctions('X in children. Part 1', 'X in children. Part 2')).toEqual(['numbers 1 / 2']);
    expect(distinctions('X in children. Part I', 'X in children. Part II')).toEqual(['numbers 1 / 2']);
    expect(distinctions('A phase II trial of X', 'A phase III trial of X')).toEqual(['numbers 2 / 3']);
    expect(distinctions('Group A streptococcal X', 'Group B streptococcal X')).toEqual(['numbers a / b']);
    expect(distinctions('Type 1 diabetes and X', 'Type 2 diabetes and X')).toEqual(['numbers 1 / 2']);
  });

  it('numbers only one title has do not count, nor digits typed inside a word', () => {
    expect(distinctions('The X trial', 'The X trial in 12 centres')).toEqual([]);
    expect(distinctions('integrin (alpha)v(beta)3 in stage IV', 'integrin alphavbeta3 in stage iv')).toEqual(
      [],
    );
  });

  it('populations, negation and what the paper is of its study', () => {
    expect(distinctions('Smoking cessation in women', 'Smoking cessation in men')).toEqual([
      'men 0 / 1',
      'women 1 / 0',
    ]);
    expect(distinctions('X in adults', 'X in children')).toEqual(['adults 1 / 0', 'children 0 / 1']);
    expect(
      distinctions('X in non-squamous non-small cell cancer', 'X in squamous non-small cell cancer'),
    ).toEqual(['negation 2 / 1']);
    expect(distinctions('X in non small cell cancer', 'X in nonsmall cell cancer')).toEqual([]);
    expect(
      distinctions('The EMU trial: protocol for a randomised trial', 'The EMU trial: a randomised trial'),
    ).toEqual(['protocol 1 / 0']);
    expect(distinctions('X: long-term follow-up of the Y trial', 'X: the Y trial')).toEqual([
      'follow-up 1 / 0',
      'long-term 1 / 0',
    ]);
  });
});
