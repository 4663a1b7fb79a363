import { chiSquareUpperTail } from './chi-square.ts';
import { choleskyDecompose, choleskySolve } from './cholesky.ts';
import { type CoxDesign, type CoxModelColumns, type CoxStratum, coxDesign } from './cox-design.ts';
import { coxNewtonRaphson } from './cox-newton-raphson.ts';
import { normalQuantile } from './normal.ts';

/** R's `coxph.control()` settings. */
export interface CoxControl {
  /** Convergence: relative change of the log-likelihood <= eps (R: 1e-9). */
  eps?: number;
  /** Zero-pivot tolerance of the Cholesky decomposition (R: .Machine$double.eps^0.75). */
  tolerChol?: number;
  /** Maximum iterations (R: 20). */
  iterMax?: number;
  /** Threshold of the infinite-coefficient check (R: sqrt(eps)). */
  tolerInf?: number;
}

/** Options of {@link fitCox}: the model's columns, the ties method and R's control settings. */
export interface CoxOptions extends CoxModelColumns {
  /** How tied event times are handled (R's default and this one's: Efron). */
  ties?: 'efron' | 'breslow';
  control?: CoxControl;
}

/** One coefficient: R's `summary(coxph)` row. NA (not estimable) is null; se is then 0, as R reports it. */
export interface CoxTerm {
  term: string;
  coef: number | null;
  /** exp(coef): the hazard ratio. */
  hr: number | null;
  se: number;
  z: number | null;
  p: number | null;
  /** 95% confidence interval of the hazard ratio, exp(coef -/+ qnorm(0.975) se). */
  lower: number | null;
  upper: number | null;
  /** The column the term comes from, and for a factor the level compared with the reference (else null). */
  covariate: string;
  level: string | null;
}

/** A chi-square test as `summary(coxph)` prints it (the statistic unrounded). */
export interface CoxTest {
  chisq: number;
  df: number;
  p: number;
}

/** Something R warns about, or that a reader of the fit should know; `terms` names what it concerns. */
export interface CoxWarning {
  code:
    | 'no-events'
    | 'rows-left-out'
    | 'stratum-without-events'
    | 'level-in-one-stratum'
    | 'not-estimable'
    | 'infinite-coefficient'
    | 'not-converged';
  message: string;
  terms?: string[];
}

/** A Cox proportional-hazards fit: the numbers of R's `coxph()` and `summary()`, as plain data. */
export interface CoxFit {
  /** Rows used (complete cases). */
  n: number;
  events: number;
  terms: CoxTerm[];
  /** Log partial likelihood of the null model (beta = 0) and of the fitted model. */
  loglik: [number, number];
  /** Wald statistic (R's `fit$wald.test`, unrounded; `summary()` prints it rounded to 2 decimals). */
  wald: number | null;
  /** Score (log-rank) statistic at beta = 0. */
  score: number | null;
  /** Likelihood-ratio statistic, 2 (loglik[1] - loglik[0]). */
  lr: number | null;
  /** Degrees of freedom of the three tests: the number of estimable coefficients. */
  df: number;
  tests: { wald: CoxTest | null; score: CoxTest | null; lr: CoxTest | null };
  ties: 'efron' | 'breslow';
  /** The strata (null without): per stratum its rows and events. */
  strata: { column: string; levels: CoxStratum[] } | null;
  /** Categorical covariates: levels in order, the first the reference. */
  factors: { covariate: string; reference: string; levels: string[] }[];
  notUsed: { rows: number; byColumn: Record<string, number> };
  /** Newton–Raphson iterations (R's `fit$iter`; iterMax + 1 when it ran out). */
  iterations: number;
  /** The log-likelihood met the convergence criterion (a coefficient may still be infinite: see warnings). */
  converged: boolean;
  /** R's `fit$var`: the model-based variance matrix of the coefficients (terms order; 0 for NA terms). */
  variance: number[][];
  warnings: CoxWarning[];
}

const DEFAULT_EPS = 1e-9;
const DEFAULT_TOLER_CHOL = 2.220446049250313e-16 ** 0.75;
const Z_975 = normalQuantile(0.975);

/** R's pchisq(x, df, lower.tail = FALSE), including its value 1 for x <= 0 (and for df 0). */
function upperTail(x: number, df: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (x <= 0 || df === 0) return 1;
  return chiSquareUpperTail(x, df);
}

/** survival's coxph.wtest: b' V^-1 b through the generalized Cholesky decomposition. */
function waldStatistic(b: readonly number[], variance: readonly (readonly number[])[], tolerChol: number) {
  if (b.length === 1) return (b[0]! * b[0]!) / variance[0]![0]!;
  const matrix = variance.map((row) => Float64Array.from(row));
  choleskyDecompose(matrix, tolerChol);
  const solution = Float64Array.from(b);
  choleskySolve(matrix, solution);
  let sum = 0;
  for (let i = 0; i < b.length; i++) sum += b[i]! * solution[i]!;
  return sum;
}

const list = (names: readonly string[]) => names.join(', ');

/**
 * Cox proportional-hazards regression (R's `coxph(Surv(time, event) ~ covariates + strata(s))` with
 * `summary()`), over plain rows.
 *
 * Estimates hazard ratios of the covariates, with a separate baseline hazard per stratum (one-stage IPD
 * meta-analysis stratifies by study). Follows survival 3.5-3 step by step so that the numbers are R's:
 * complete cases (R's `na.omit`), the time fix, numbers as they are and text (or true/false) as treatment
 * contrasts against the first level in code-point order (see {@link coxDesign}), Efron (default) or Breslow
 * ties, Newton–Raphson from beta = 0 with step halving and R's `coxph.control()` defaults; then per term
 * coef, exp(coef), se, z, p = pchisq(z^2, 1, upper), the 95% CI exp(coef -/+ 1.96 se); and the
 * likelihood-ratio, Wald and score tests on df = the number of estimable coefficients.
 *
 * Says what R warns about and what a reader should know, in `warnings`: no events; rows left out for
 * missing values (per column); a stratum without events (contributes nothing); a factor level present in
 * one stratum only; a term that cannot be estimated (R: NA) because it has no variation, none within any
 * stratum, or is collinear; a coefficient that may be infinite ("Loglik converged before variable ...",
 * e.g. a covariate that separates events from non-events); running out of iterations.
 *
 * One deliberate difference: a column with a single value within every stratum is left out of the
 * iteration (R gets exact zeros for it and leaves it at 0 anyway, so every other number is R's); R can
 * produce a meaningless coefficient for such a column when rounding noise passes its Cholesky tolerance,
 * this always reports NA.
 *
 * Reference: Therneau & Grambsch, Modeling Survival Data (2000); survival package, `coxph`,
 * https://rdrr.io/cran/survival/man/coxph.html, and its source (coxph.R, coxph.fit.R, coxfit6.c).
 *
 * Complexity: O(n log n + iterations x n x k^2) time, O(n k) space, for n rows and k terms.
 *
 * @param rows the data set: one object per subject (column name -> number, text, true/false or null)
 * @param options the columns (time, event, covariates, strata), ties and control settings
 * @returns the fit, see {@link CoxFit}
 * @throws {RangeError} naming the row and column of a bad value (see {@link coxDesign}), or when no row is
 *   complete or a categorical covariate has a single level
 * @example
 * const fit = fitCox(rows, { time: 'rfs_months', event: 'rfs_event', covariates: ['hormone_therapy'],
 *   strata: 'study_id' });
 * fit.terms[0]; // => { term: 'hormone_therapyyes', hr: 1.0914579559..., lower: 0.9586..., upper: 1.2426..., ... }
 */
export function fitCox(rows: readonly unknown[], options: CoxOptions): CoxFit {
  const ties = options.ties ?? 'efron';
  if (ties !== 'efron' && ties !== 'breslow')
    throw new RangeError(`fitCox: ties must be efron or breslow, not ${ties}`);
  const eps = options.control?.eps ?? DEFAULT_EPS;
  const tolerChol = options.control?.tolerChol ?? DEFAULT_TOLER_CHOL;
  const iterMax = options.control?.iterMax ?? 20;
  const tolerInf = options.control?.tolerInf ?? Math.sqrt(eps);
  const design = coxDesign(rows, options);
  const k = design.terms.length;
  const warnings = designWarnings(design);

  if (design.events === 0) {
    // R's coxph returns here: no coefficients, loglik 0, every test 0.
    warnings.unshift({
      code: 'no-events',
      message: 'no events in the rows used: nothing can be estimated (R gives NA)',
    });
    return assemble(design, ties, {
      terms: design.terms.map((term) => ({
        term: term.term,
        ...NA_TERM,
        covariate: term.covariate,
        level: term.level,
      })),
      loglik: [0, 0],
      wald: 0,
      score: 0,
      lr: 0,
      df: 0,
      tests: {
        wald: { chisq: 0, df: 0, p: 1 },
        score: { chisq: 0, df: 0, p: 1 },
        lr: { chisq: 0, df: 0, p: 1 },
      },
      iterations: 0,
      converged: false,
      variance: design.terms.map(() => new Array<number>(k).fill(0)),
      warnings,
    });
  }

  // Fit the columns that vary within some stratum; the others are NA (see the doc comment).
  const fitted = design.noVariation.flatMap((reason, j) => (reason === null ? [j] : []));
  const columns = fitted.map((j) => design.matrix.covariates[j]!);
  const raw = coxNewtonRaphson(
    { ...design.matrix, covariates: columns },
    {
      ties,
      eps,
      tolerChol,
      // R fits the null model (no covariates) with no iterations.
      iterMax: k === 0 ? 0 : iterMax,
      scale: columns.map((column) => !column.every((value) => value === -1 || value === 0 || value === 1)),
    },
  );
  const coef = new Array<number>(k).fill(0);
  const variance = design.terms.map(() => new Array<number>(k).fill(0));
  const scoreVector = new Array<number>(k).fill(0);
  const means = new Array<number>(k).fill(0);
  fitted.forEach((j, a) => {
    coef[j] = raw.coefficients[a]!;
    scoreVector[j] = raw.score[a]!;
    means[j] = raw.means[a]!;
    fitted.forEach((l, b) => {
      variance[j]![l] = raw.variance[a]![b]!;
    });
  });

  // coxph.fit's checks, in its order.
  const singular = coef.map(
    (_, j) => design.noVariation[j] !== null || (raw.flag < fitted.length && variance[j]![j] === 0),
  );
  const infs = coef.map((_, j) => Math.abs(scoreVector.reduce((sum, u, i) => sum + u * variance[i]![j]!, 0)));
  const converged = raw.flag !== 1000;
  if (iterMax > 1) {
    if (!converged) {
      warnings.push({
        code: 'not-converged',
        message:
          `the fit did not converge in ${iterMax} iterations (R: "Ran out of iterations and did not converge"); ` +
          'the estimates are those of the last iteration that improved the log-likelihood',
      });
      if (maxLinearPredictor(design, coef, means) > 500 || infs.some((value) => !Number.isFinite(value))) {
        warnings.push({
          code: 'infinite-coefficient',
          message: 'one or more coefficients may be infinite (R: "one or more coefficients may be infinite")',
        });
      }
    } else {
      const infinite = coef.flatMap((value, j) =>
        !Number.isFinite(scoreVector[j]!) || (infs[j]! > eps && infs[j]! > tolerInf * Math.abs(value))
          ? [j]
          : [],
      );
      if (infinite.length > 0) {
        const names = infinite.map((j) => design.terms[j]!.term);
        warnings.push({
          code: 'infinite-coefficient',
          terms: names,
          message:
            `${list(names)}: the log-likelihood converged before the coefficient did, which may be infinite ` +
            `(R: "Loglik converged before variable ${infinite.map((j) => j + 1).join(',')}; coefficient may be infinite"); ` +
            'typically the covariate separates the events from the rest, and its hazard ratio, se and p mean little',
        });
      }
    }
  }
  const notEstimable = design.terms.flatMap((term, j) => (singular[j] ? [{ term: term.term, j }] : []));
  if (notEstimable.length > 0) {
    const reason = (j: number) =>
      design.noVariation[j] === 'constant'
        ? 'has the same value in every row used'
        : design.noVariation[j] === 'constant-within-strata'
          ? 'does not vary within any stratum (with strata only within-stratum differences count)'
          : 'is a linear combination of the other terms';
    warnings.push({
      code: 'not-estimable',
      terms: notEstimable.map(({ term }) => term),
      message: `${notEstimable.map(({ term, j }) => `${term} ${reason(j)}`).join('; ')}: not estimable (R gives NA)`,
    });
  }

  const terms: CoxTerm[] = design.terms.map(({ term, covariate, level }, j) => {
    const se = Math.sqrt(variance[j]![j]!);
    if (iterMax > 0 && singular[j]) return { term, ...NA_TERM, se, covariate, level };
    const beta = coef[j]!;
    const z = beta / se;
    return {
      term,
      coef: beta,
      hr: Math.exp(beta),
      se,
      z,
      p: upperTail(z * z, 1),
      lower: Math.exp(beta - Z_975 * se),
      upper: Math.exp(beta + Z_975 * se),
      covariate,
      level,
    };
  });
  const estimable = terms.flatMap((term, j) => (term.coef === null ? [] : [j]));
  const df = estimable.length;
  const wald =
    df === 0
      ? null
      : waldStatistic(
          estimable.map((j) => coef[j]!),
          estimable.map((j) => estimable.map((l) => variance[j]![l]!)),
          tolerChol,
        );
  // The null model has no tests (R prints its log-likelihood only).
  const lr = k === 0 ? null : -2 * (raw.loglik[0] - raw.loglik[1]);
  const scoreTest = k === 0 ? null : raw.scoreTest;
  const test = (chisq: number | null): CoxTest | null =>
    chisq === null ? null : { chisq, df, p: upperTail(chisq, df) };
  return assemble(design, ties, {
    terms,
    loglik: raw.loglik,
    wald,
    score: scoreTest,
    lr,
    df,
    tests: { wald: test(wald), score: test(scoreTest), lr: test(lr) },
    iterations: raw.iterations,
    converged,
    variance,
    warnings,
  });
}

const NA_TERM = { coef: null, hr: null, se: 0, z: null, p: null, lower: null, upper: null } as const;

type FitNumbers = Omit<CoxFit, 'n' | 'events' | 'ties' | 'strata' | 'factors' | 'notUsed'>;

/** The fit in the order of issue #14's JSON contract (n, events, terms, loglik, wald, score, lr), then the rest. */
function assemble(design: CoxDesign, ties: 'efron' | 'breslow', fit: FitNumbers): CoxFit {
  return {
    n: design.n,
    events: design.events,
    terms: fit.terms,
    loglik: fit.loglik,
    wald: fit.wald,
    score: fit.score,
    lr: fit.lr,
    df: fit.df,
    tests: fit.tests,
    ties,
    strata: design.strata,
    factors: design.factors.map(({ covariate, reference, levels }) => ({ covariate, reference, levels })),
    notUsed: design.notUsed,
    iterations: fit.iterations,
    converged: fit.converged,
    variance: fit.variance,
    warnings: fit.warnings,
  };
}

/** The largest linear predictor x beta - sum(beta * means) (coxph.fit's overflow check). */
function maxLinearPredictor(design: CoxDesign, coef: readonly number[], means: readonly number[]): number {
  const offset = coef.reduce((sum, beta, j) => sum + beta * means[j]!, 0);
  let largest = Number.NEGATIVE_INFINITY;
  for (let r = 0; r < design.n; r++) {
    let lp = 0;
    for (let j = 0; j < coef.length; j++) lp += design.matrix.covariates[j]![r]! * coef[j]!;
    largest = Math.max(largest, lp - offset);
  }
  return largest;
}

/** What the design alone tells: rows left out, strata without events, levels seen in one stratum. */
function designWarnings(design: CoxDesign): CoxWarning[] {
  const warnings: CoxWarning[] = [];
  if (design.notUsed.rows > 0) {
    const columns = Object.entries(design.notUsed.byColumn).map(([column, count]) => `${column} ${count}`);
    warnings.push({
      code: 'rows-left-out',
      message:
        `${design.notUsed.rows} row${design.notUsed.rows === 1 ? '' : 's'} left out for a missing value ` +
        `(R: "${design.notUsed.rows} observation${design.notUsed.rows === 1 ? '' : 's'} deleted due to missingness"); ` +
        `missing per column: ${columns.join(', ')}`,
    });
  }
  if (design.strata !== null && design.strata.levels.length > 1) {
    const empty = design.strata.levels.filter((stratum) => stratum.events === 0);
    if (empty.length > 0) {
      warnings.push({
        code: 'stratum-without-events',
        message:
          `${design.strata.column} ${list(empty.map((stratum) => `${stratum.label} (${stratum.n} rows)`))}: no events; ` +
          'a stratum without events contributes nothing to the estimates (its rows still count in n)',
      });
    }
  }
  for (const factor of design.factors) {
    if (factor.levelsInOneStratum.length === 0) continue;
    warnings.push({
      code: 'level-in-one-stratum',
      terms: factor.levelsInOneStratum
        .filter(({ level }) => level !== factor.reference)
        .map(({ level }) => `${factor.covariate}${level}`),
      message:
        `${factor.covariate}: ${list(factor.levelsInOneStratum.map(({ level, stratum }) => `"${level}" occurs in ${design.strata!.column} ${stratum} only`))}; ` +
        'its comparison rests on that stratum alone',
    });
  }
  return warnings;
}
