// Cox models in a protocol (survival.models): the shipped breast-ipd models parse with their defaults, and every
// name a model or a cox-hr-crosses trigger uses is checked, the error naming the field.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  defaultProtocolDirectory,
  loadProtocolFile,
  parseProtocol,
} from '../../../shared/config/load-protocols.ts';

const base = loadProtocolFile(join(defaultProtocolDirectory(), 'breast-ipd.yaml'));

// biome-ignore lint/suspicious/noExplicitAny: a test that breaks a parsed protocol in chosen places
function errorOf(patch: (p: Record<string, any>) => void): string {
  const copy = JSON.parse(JSON.stringify(base));
  patch(copy);
  try {
    parseProtocol(JSON.stringify(copy), 'breast.json');
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected the protocol to be refused');
}

describe('survival.models', () => {
  it('parses the breast-ipd models: covariates without a reference, studyId strata, Efron ties by default', () => {
    const [unadjusted, adjusted] = base.survival!.models;
    expect(unadjusted).toEqual({
      id: 'rfs_hormone_strata_study',
      label: 'Hormone therapy, unadjusted',
      endpoint: 'rfs_overall',
      covariates: [{ variable: 'hormone_therapy', reference: null }],
      strata: 'studyId',
      ties: 'efron',
    });
    expect(adjusted!.covariates.map((c) => c.variable)).toEqual([
      'hormone_therapy',
      'age_years',
      'positive_nodes',
      'tumour_size',
    ]);
    // A parsed protocol parses again to itself (stored and re-read).
    expect(parseProtocol(JSON.stringify(base), 'again.json')).toEqual(base);
  });

  it('takes a declared reference level and Breslow ties', () => {
    const copy = JSON.parse(JSON.stringify(base));
    copy.survival.models[1].covariates[3] = { variable: 'tumour_size', reference: 'le20' };
    copy.survival.models[1].ties = 'breslow';
    const parsed = parseProtocol(JSON.stringify(copy), 'breast.json');
    expect(parsed.survival!.models[1]!.covariates[3]).toEqual({ variable: 'tumour_size', reference: 'le20' });
    expect(parsed.survival!.models[1]!.ties).toBe('breslow');
  });

  it('names an unknown endpoint, variable, level or strata, and covariates of the wrong kind', () => {
    const message = errorOf((p) => {
      const models = p.survival.models;
      models[0].endpoint = 'dfs';
      models[1].covariates = [
        'hormone_therapy',
        'agee',
        { variable: 'tumour_size', reference: 'huge' },
        { variable: 'age_years', reference: '50' },
        'rfs_months',
        'hormone_therapy',
      ];
      models[1].strata = 'er_fmol';
      models.push({ ...models[0], endpoint: 'rfs_overall' });
      models.push({ ...models[0], endpoint: 'rfs_overall', strata: 'centre' });
    });
    expect(message).toContain(
      'survival.models.0.endpoint: no endpoint "dfs" (declared: rfs_overall, os_overall)',
    );
    expect(message).toContain('survival.models.1.covariates.1: no variable "agee" (declared: age_years,');
    expect(message).toContain(
      'survival.models.1.covariates.2.reference: tumour_size has no level "huge" (levels: le20, 20to50, gt50)',
    );
    expect(message).toContain(
      'survival.models.1.covariates.3.reference: age_years is a integer variable: it enters as a number and has no reference level',
    );
    expect(message).toContain(
      "survival.models.1.covariates.4: rfs_months is the endpoint's time or event: it cannot be a covariate",
    );
    expect(message).toContain('survival.models.1.covariates.5: covariate "hormone_therapy" is listed twice');
    expect(message).toContain(
      'survival.models.1.strata: stratify by a categorical, yes-no, event, integer or text variable (or "studyId"), and er_fmol is number',
    );
    expect(
      errorOf((p) => {
        p.survival.models[0].ties = 'exact';
      }),
    ).toContain('survival.models.0.ties: Invalid option: expected one of "efron"|"breslow"');
    expect(message).toContain('survival.models.2.id: model "rfs_hormone_strata_study" is declared twice');
    expect(message).toContain('survival.models.3.strata: no variable "centre"');
  });

  it('checks a cox-hr-crosses trigger: its model and a term the model can have', () => {
    const message = errorOf((p) => {
      p.updateTriggers.push(
        { kind: 'cox-hr-crosses', model: 'nope', term: 'hormone_therapyyes' },
        { kind: 'cox-hr-crosses', model: 'rfs_multivariable_strata_study', term: 'tumour_sizehuge' },
      );
    });
    expect(message).toContain(
      'updateTriggers.4.model: no model "nope" (declared: rfs_hormone_strata_study, rfs_multivariable_strata_study)',
    );
    expect(message).toContain(
      'updateTriggers.5.term: model "rfs_multivariable_strata_study" has no term "tumour_sizehuge" (terms are named as R names them: hormone_therapyyes, hormone_therapyno, age_years, positive_nodes, tumour_sizele20, tumour_size20to50, tumour_sizegt50)',
    );
    const copy = JSON.parse(JSON.stringify(base));
    copy.updateTriggers.push({
      kind: 'cox-hr-crosses',
      model: 'rfs_multivariable_strata_study',
      term: 'hormone_therapyyes',
      measure: 'ci',
    });
    const parsed = parseProtocol(JSON.stringify(copy), 'breast.json');
    expect(parsed.updateTriggers.at(-1)).toEqual({
      kind: 'cox-hr-crosses',
      model: 'rfs_multivariable_strata_study',
      term: 'hormone_therapyyes',
      threshold: 1,
      measure: 'ci',
    });
  });
});
