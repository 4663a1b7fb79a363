// The protocol's verification section and the verification workflow as pure functions: what each shipped
// protocol declares, errors naming the file and the field, and the rules of a row's verification round.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  defaultProtocolDirectory,
  loadProtocolDirectory,
  parseProtocol,
} from '../../../shared/config/load-protocols.ts';
import { rowVersion } from '../../../shared/domain/extraction/patient-row.ts';
import { rowVerificationViewFor } from '../../../shared/domain/verification/blinding.ts';
import type { VerificationEvent } from '../../../shared/domain/verification/events.ts';
import { replayVerification, VerificationRuleError } from '../../../shared/domain/verification/workflow.ts';

const iesmYaml = () =>
  parse(readFileSync(join(defaultProtocolDirectory(), 'iesm.yaml'), 'utf8')) as Record<string, unknown>;

function errorOf(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected an error');
}

describe('the verification section of a protocol', () => {
  it('is declared by both shipped protocols', () => {
    const protocols = loadProtocolDirectory(defaultProtocolDirectory());
    expect(protocols.find((p) => p.id === 'iesm')?.verification).toEqual({
      verifiers: 2,
      role: 'verifier',
      statistics: 'all-rows-flag-unverified',
    });
    expect(protocols.find((p) => p.id === 'breast-ipd')?.verification).toMatchObject({
      verifiers: 1,
      role: 'extractor',
    });
  });

  it('names the file and the field: too few verifiers, an unknown mode, a misspelt key', () => {
    const tooMany = { ...iesmYaml(), verification: { verifiers: 4 } };
    const message = errorOf(() => parseProtocol(JSON.stringify(tooMany), 'p.json'));
    expect(message).toMatch(/^p\.json/);
    expect(message).toContain(
      'verification.verifiers: 4 verifiers per row need at least 4 reviewers with the role "verifier" (found 3)',
    );
    const mode = { ...iesmYaml(), verification: { verifiers: 2, statistics: 'some-rows' } };
    expect(errorOf(() => parseProtocol(JSON.stringify(mode), 'p.json'))).toContain('verification.statistics');
    const typo = { ...iesmYaml(), verification: { verifiers: 2, verifeirs: 2 } };
    expect(errorOf(() => parseProtocol(JSON.stringify(typo), 'p.json'))).toContain('verifeirs');
  });
});

const row = { patientId: 'P1', studyId: 'S', age_years: 64 };
const v1 = rowVersion(row);
const header = (seq: number, reviewerId: string) => ({
  seq,
  eventId: `e${seq}`,
  studyId: 'S',
  reviewerId,
  at: `2026-01-01T00:00:0${seq}Z`,
});
const extracted: VerificationEvent = {
  type: 'extracted',
  ...header(1, 'pp'),
  rows: [{ patientId: 'P1', version: v1 }],
};
const confirmBy = (seq: number, reviewerId: string): VerificationEvent => ({
  type: 'confirmed',
  ...header(seq, reviewerId),
  rows: [{ patientId: 'P1', version: v1 }],
});

describe('a row verification round', () => {
  it('refuses the extractor as verifier and a second verdict by one verifier', () => {
    expect(() => replayVerification('S', [extracted, confirmBy(2, 'pp')], 2)).toThrow(VerificationRuleError);
    expect(() => replayVerification('S', [extracted, confirmBy(2, 'alc'), confirmBy(3, 'alc')], 2)).toThrow(
      /already given a verdict/,
    );
    const verified = replayVerification('S', [extracted, confirmBy(2, 'alc'), confirmBy(3, 'ash')], 2);
    expect(verified.rows.get('P1')?.phase).toBe('verified');
  });

  it('is disputed once every verdict is in with a flag, and verified when the flag is resolved', () => {
    const flag: VerificationEvent = {
      type: 'flagged',
      ...header(3, 'ash'),
      row: { patientId: 'P1', version: v1 },
      fields: [{ field: 'age_years', proposed: 70, note: 'Table 2' }],
    };
    const log = [extracted, confirmBy(2, 'alc'), flag];
    const disputed = replayVerification('S', log, 2).rows.get('P1')!;
    expect(disputed.phase).toBe('disputed');
    // alc, a verifier, sees neither the flag nor the dispute; the extractor sees both.
    expect(
      rowVerificationViewFor(disputed, { id: 'alc', verifies: true, arbitrates: false }, 2),
    ).toMatchObject({
      phase: 'awaiting-verification',
      verdicts: null,
      open: null,
    });
    expect(
      rowVerificationViewFor(disputed, { id: 'pp', verifies: true, arbitrates: false }, 2),
    ).toMatchObject({
      phase: 'disputed',
      open: ['age_years'],
      action: 'extractor',
    });
    const v2 = rowVersion({ ...row, age_years: 70 });
    const notProposed: VerificationEvent = {
      type: 'resolved',
      ...header(4, 'pp'),
      role: 'extractor',
      row: { patientId: 'P1', version: v1 },
      field: 'age_years',
      decision: 'accept',
      value: 71,
      note: null,
      version: v2,
    };
    expect(() => replayVerification('S', [...log, notProposed], 2)).toThrow(/was not proposed/);
    const byVerifier: VerificationEvent = { ...notProposed, ...header(4, 'ash'), role: 'arbiter', value: 70 };
    expect(() => replayVerification('S', [...log, byVerifier], 2)).toThrow(/cannot also resolve/);
    const accepted: VerificationEvent = { ...notProposed, value: 70 };
    const verified = replayVerification('S', [...log, accepted], 2).rows.get('P1')!;
    expect(verified).toMatchObject({ phase: 'verified', version: v2 });
    // A new extraction of other content starts a new round.
    const reimported: VerificationEvent = {
      type: 'extracted',
      ...header(5, 'alc'),
      rows: [{ patientId: 'P1', version: v1 }],
    };
    const again = replayVerification('S', [...log, accepted, reimported], 2).rows.get('P1')!;
    expect(again).toMatchObject({ phase: 'awaiting-verification', extractor: 'alc', version: v1 });
    expect(again.verdicts.size).toBe(0);
  });
});
