import { choleskyDecompose, choleskyInverse, choleskySolve } from './cholesky.ts';

/** The numbers a Cox fit works on, already sorted by stratum and then by time (R's `order(strata, time)`). */
export interface CoxMatrix {
  /** Times, increasing within each stratum. */
  time: Float64Array;
  /** 1 = event, 0 = censored. */
  status: Uint8Array;
  /** One column per coefficient, in row order (not modified). */
  covariates: readonly Float64Array[];
  /** 1 on the last row of each stratum (R's `newstrat`); the last row is always treated as 1. */
  stratumEnd: Uint8Array;
}

/** Options of {@link coxNewtonRaphson}: R's `coxph.control()` and ties method. */
export interface CoxNewtonRaphsonOptions {
  ties: 'efron' | 'breslow';
  /** Iteration stops when |1 - loglik_old / loglik_new| <= eps (R: 1e-9). */
  eps: number;
  /** Relative zero-pivot tolerance of the Cholesky decomposition (R: .Machine$double.eps^0.75). */
  tolerChol: number;
  /** Maximum Newton–Raphson iterations (R: 20). */
  iterMax: number;
  /** Per column: centre and scale it first (R leaves columns with values in {-1, 0, 1} alone). */
  scale: readonly boolean[];
}

/** What survival's coxfit6 returns (on the covariates' own scale). */
export interface CoxNewtonRaphsonResult {
  coefficients: number[];
  /** The centring means (0 for a column that is not centred). */
  means: number[];
  /** The score vector at the final coefficients. */
  score: number[];
  /** The inverse information matrix (R's `fit$var`), rows of length k. */
  variance: number[][];
  /** Log partial likelihood at the initial coefficients (0) and at the final ones. */
  loglik: [number, number];
  /** The score test at the initial coefficients (R's `fit$score`). */
  scoreTest: number;
  /** R's `iter`: the iterations used; iterMax + 1 when it ran out. */
  iterations: number;
  /** R's `flag`: the rank of the information matrix; -2 if it converged while halving; 1000 if it ran out. */
  flag: number;
}

/** Workspace shared by every pass over the data: allocated once per fit. */
interface Workspace {
  k: number;
  u: Float64Array;
  imat: Float64Array[];
  a: Float64Array;
  a2: Float64Array;
  cmat: Float64Array[];
  cmat2: Float64Array[];
}

const squareMatrix = (k: number) => Array.from({ length: k }, () => new Float64Array(k));

/**
 * One pass over the data at `beta` (survival's `coxfit6_iter`): the log partial likelihood, and into the
 * workspace the score vector `u` and the information matrix `imat` (upper triangle). Walks from the last row
 * back, adding each row to its stratum's risk set; tied deaths enter the sums all at once (Breslow) or in
 * ndead equal parts (Efron).
 */
function accumulate(
  data: CoxMatrix,
  x: readonly Float64Array[],
  efron: boolean,
  beta: Float64Array,
  w: Workspace,
) {
  const { k, u, imat, a, a2, cmat, cmat2 } = w;
  const { time, status, stratumEnd } = data;
  const n = time.length;
  let loglik = 0;
  let denom = 0;
  u.fill(0);
  a2.fill(0);
  for (let i = 0; i < k; i++) {
    imat[i]!.fill(0);
    cmat2[i]!.fill(0);
  }
  for (let person = n - 1; person >= 0; ) {
    if (person === n - 1 || stratumEnd[person] === 1) {
      denom = 0;
      a.fill(0);
      for (let i = 0; i < k; i++) cmat[i]!.fill(0);
    }
    const deathTime = time[person]!;
    let ndead = 0;
    let deadWeight = 0;
    let denom2 = 0;
    while (person >= 0 && time[person] === deathTime) {
      let zbeta = 0;
      for (let i = 0; i < k; i++) zbeta += beta[i]! * x[i]![person]!;
      const risk = Math.exp(zbeta);
      if (status[person] === 0) {
        denom += risk;
        for (let i = 0; i < k; i++) {
          const xi = x[i]![person]!;
          a[i]! += risk * xi;
          const row = cmat[i]!;
          for (let j = 0; j <= i; j++) row[j]! += risk * xi * x[j]![person]!;
        }
      } else {
        ndead++;
        deadWeight += 1;
        denom2 += risk;
        loglik += zbeta;
        for (let i = 0; i < k; i++) {
          const xi = x[i]![person]!;
          u[i]! += xi;
          a2[i]! += risk * xi;
          const row = cmat2[i]!;
          for (let j = 0; j <= i; j++) row[j]! += risk * xi * x[j]![person]!;
        }
      }
      person--;
      if (person >= 0 && stratumEnd[person] === 1) break; // ties do not cross strata
    }
    if (ndead > 0) {
      if (!efron || ndead === 1) {
        denom += denom2;
        loglik -= deadWeight * Math.log(denom);
        for (let i = 0; i < k; i++) {
          a[i]! += a2[i]!;
          const mean = a[i]! / denom;
          u[i]! -= deadWeight * mean;
          const row = cmat[i]!;
          const row2 = cmat2[i]!;
          for (let j = 0; j <= i; j++) {
            row[j]! += row2[j]!;
            imat[j]![i]! += (deadWeight * (row[j]! - mean * a[j]!)) / denom;
          }
        }
      } else {
        // Efron: the k-th of ndead terms has (k / ndead) of the tied deaths' risk taken out of the sums.
        const weightAverage = deadWeight / ndead;
        for (let step = 0; step < ndead; step++) {
          denom += denom2 / ndead;
          loglik -= weightAverage * Math.log(denom);
          for (let i = 0; i < k; i++) {
            a[i]! += a2[i]! / ndead;
            const mean = a[i]! / denom;
            u[i]! -= weightAverage * mean;
            const row = cmat[i]!;
            const row2 = cmat2[i]!;
            for (let j = 0; j <= i; j++) {
              row[j]! += row2[j]! / ndead;
              imat[j]![i]! += (weightAverage * (row[j]! - mean * a[j]!)) / denom;
            }
          }
        }
      }
      a2.fill(0);
      for (let i = 0; i < k; i++) cmat2[i]!.fill(0);
    }
  }
  return loglik;
}

/**
 * Cox proportional-hazards fit by Newton–Raphson with step halving (a port of survival's `coxfit6.c`, the
 * engine of R's `coxph()` for right-censored data with Breslow or Efron ties).
 *
 * Centres and scales each column (unless `scale` says not to), starts from beta = 0 (whose log-likelihood is
 * the null model's and whose score statistic is the score test), then iterates: a step is accepted when the
 * log-likelihood does not fall, otherwise the step is pulled back towards the last good beta (halving, then
 * thirds, ...). It stops when the relative change of the log-likelihood is <= eps, or after iterMax
 * iterations (flag 1000; the result is then the last good beta, and — as in R — its variance is the inverse
 * of the information matrix's diagonal only). Aliased columns (zero pivots in the Cholesky decomposition)
 * keep coefficient 0 and variance 0; the caller reports them as NA.
 *
 * Reference: T. Therneau, survival package source, src/coxfit6.c and R/coxph.fit.R,
 * https://github.com/therneau/survival; Therneau & Grambsch, Modeling Survival Data (2000), ch. 3.
 *
 * Complexity: O(iterations x n x k^2) time, O(k^2) extra space.
 *
 * @param data sorted rows (see {@link CoxMatrix})
 * @param options ties and R's control settings
 * @returns R's coxfit6 result
 * @example
 * // ?coxph's test1 without strata:
 * coxNewtonRaphson(
 *   { time: Float64Array.of(1, 1, 2, 2, 3, 3, 4), status: Uint8Array.of(1, 0, 1, 1, 1, 0, 1),
 *     covariates: [Float64Array.of(1, 1, 1, 0, 2, 0, 0)], stratumEnd: new Uint8Array(7) },
 *   { ties: 'efron', eps: 1e-9, tolerChol: 1.8189894035458565e-12, iterMax: 20, scale: [true] },
 * ).coefficients; // => [0.46077765...]
 */
export function coxNewtonRaphson(data: CoxMatrix, options: CoxNewtonRaphsonOptions): CoxNewtonRaphsonResult {
  const n = data.time.length;
  const k = data.covariates.length;
  const efron = options.ties === 'efron';

  // Centre and scale copies of the columns (R: "this makes the regression much more stable").
  const means = new Array<number>(k).fill(0);
  const scale = new Float64Array(k).fill(1);
  const x = data.covariates.map((column, i) => {
    const copy = Float64Array.from(column);
    if (!options.scale[i]) return copy;
    let sum = 0;
    for (let p = 0; p < n; p++) sum += copy[p]!;
    const mean = sum / n;
    means[i] = mean;
    for (let p = 0; p < n; p++) copy[p]! -= mean;
    let absolute = 0;
    for (let p = 0; p < n; p++) absolute += Math.abs(copy[p]!);
    const factor = absolute > 0 ? n / absolute : 1;
    scale[i] = factor;
    for (let p = 0; p < n; p++) copy[p]! *= factor;
    return copy;
  });

  const w: Workspace = {
    k,
    u: new Float64Array(k),
    imat: squareMatrix(k),
    a: new Float64Array(k),
    a2: new Float64Array(k),
    cmat: squareMatrix(k),
    cmat2: squareMatrix(k),
  };
  const beta = new Float64Array(k);
  const newBeta = new Float64Array(k);

  const finish = (loglik: [number, number], scoreTest: number, iterations: number, flag: number) => {
    choleskyInverse(w.imat);
    const variance: number[][] = Array.from({ length: k }, () => new Array<number>(k).fill(0));
    for (let i = 0; i < k; i++) {
      w.u[i]! /= scale[i]!;
      w.imat[i]![i]! *= scale[i]! * scale[i]!;
      for (let j = 0; j < i; j++) {
        w.imat[j]![i]! *= scale[i]! * scale[j]!;
        w.imat[i]![j] = w.imat[j]![i]!;
      }
    }
    for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) variance[i]![j] = w.imat[j]![i]!;
    return {
      coefficients: Array.from(beta, (value, i) => value * scale[i]!),
      means,
      score: Array.from(w.u),
      variance,
      loglik,
      scoreTest,
      iterations,
      flag,
    };
  };

  const loglik0 = accumulate(data, x, efron, beta, w);
  const step = Float64Array.from(w.u);
  let flag = choleskyDecompose(w.imat, options.tolerChol);
  choleskySolve(w.imat, step);
  let scoreTest = 0;
  for (let i = 0; i < k; i++) scoreTest += w.u[i]! * step[i]!;
  if (options.iterMax === 0 || !Number.isFinite(loglik0))
    return finish([loglik0, loglik0], scoreTest, 0, flag);

  let bestLoglik = loglik0;
  for (let i = 0; i < k; i++) newBeta[i] = beta[i]! + step[i]!;
  let halving = 0;
  let iteration = 1;
  for (; iteration <= options.iterMax; iteration++) {
    const newLoglik = accumulate(data, x, efron, newBeta, w);
    flag = choleskyDecompose(w.imat, options.tolerChol);
    let notFinite = false;
    for (let i = 0; i < k; i++) {
      if (!Number.isFinite(w.u[i]!)) notFinite = true;
      for (let j = 0; j < k; j++) if (!Number.isFinite(w.imat[i]![j]!)) notFinite = true;
    }
    if (!Number.isFinite(newLoglik)) notFinite = true;

    if (!notFinite && Math.abs(1 - bestLoglik / newLoglik) <= options.eps) {
      beta.set(newBeta);
      return finish([loglik0, newLoglik], scoreTest, iteration, halving ? -2 : flag);
    }
    if (notFinite || newLoglik < bestLoglik) {
      // Not improving: go back part of the way towards the last good beta, more each time.
      halving++;
      for (let i = 0; i < k; i++) newBeta[i] = (newBeta[i]! + halving * beta[i]!) / (halving + 1);
    } else {
      halving = 0;
      bestLoglik = newLoglik;
      choleskySolve(w.imat, w.u);
      for (let i = 0; i < k; i++) {
        beta[i] = newBeta[i]!;
        newBeta[i] = newBeta[i]! + w.u[i]!;
      }
    }
  }
  // Out of iterations: R returns the last good beta. It recomputes u and imat there and inverts imat without
  // decomposing it first (chinv2 on a matrix with a zero lower triangle), which leaves only the inverted
  // diagonal: kept as is, to give R's numbers.
  const finalLoglik = options.iterMax > 1 ? accumulate(data, x, efron, beta, w) : bestLoglik;
  return finish([loglik0, finalLoglik], scoreTest, iteration, 1000);
}
