// The forest plot's SVG: a log axis including 1 over the CIs, the reference line at 1, a row per term (a term
// that cannot be estimated keeps its row), arrows for CIs beyond the axis, and every label escaped.
import { describe, expect, it } from 'vitest';
import { forestAxis, renderForestPlotSvg } from '../../../shared/domain/report/forest-plot.ts';

const row = (term: string, hr: number | null, lower: number | null, upper: number | null) => ({
  term,
  label: term,
  hr,
  lower,
  upper,
});

describe('Function: forestAxis', () => {
  it('spans the CIs and 1, one tick beyond each side, at most 7 ticks', () => {
    expect(forestAxis([row('a', 0.857, 0.752, 0.975), row('b', 1.31, 1.14, 1.5)])).toEqual({
      min: 0.5,
      max: 2,
      ticks: [0.5, 0.75, 1, 1.5, 2],
    });
    // Above 1 only: the axis still shows 1.
    expect(forestAxis([row('a', 3, 2.1, 4.2)]).min).toBeLessThanOrEqual(1);
    const wide = forestAxis([row('a', 0.05, 0.011, 0.3), row('b', 30, 8, 90)]);
    expect(wide.min).toBe(0.01);
    expect(wide.max).toBe(100);
    expect(wide.ticks.length).toBeLessThanOrEqual(7);
    expect(wide.ticks).toContain(1);
  });
});

describe('Function: renderForestPlotSvg', () => {
  it('draws one row per term, the reference line at HR 1, and escapes every label', () => {
    const svg = renderForestPlotSvg(
      [
        { ...row('x<y', 0.5, 0.3, 0.8), label: '<script>alert(1)</script> & "x"' },
        row('flat', null, null, null),
        row('far', 2, 0.001, 500),
      ],
      { id: 'm"1', title: 'A <b>model</b>', subtitle: 'n = 10 & more' },
    );
    expect(svg).not.toContain('<script>');
    expect(svg).not.toContain('<b>');
    expect(svg).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot;');
    expect(svg).toContain('data-term="x&lt;y"');
    expect(svg).toContain('aria-labelledby="m1-title"');
    expect(svg.match(/class="forest-row"/g)).toHaveLength(3);
    expect(svg).toContain('not estimable');
    expect(svg.match(/class="forest-arrow"/g)).toHaveLength(2);
    const reference = /class="forest-reference" data-hr="1" x1="([\d.]+)"/.exec(svg)!;
    const tick = /class="forest-tick" data-tick="1" x1="([\d.]+)"/.exec(svg)!;
    expect(reference[1]).toBe(tick[1]);
  });

  it('places HRs on a log scale: 0.5 and 2 equally far from 1', () => {
    const svg = renderForestPlotSvg([row('a', 0.5, 0.4, 0.6), row('b', 2, 1.6, 2.5)], {
      id: 'm',
      title: 'T',
      subtitle: 'S',
    });
    const xs = [...svg.matchAll(/class="forest-hr"[^>]*data-x="([\d.]+)"/g)].map((m) => Number(m[1]));
    const one = Number(/class="forest-reference" data-hr="1" x1="([\d.]+)"/.exec(svg)![1]);
    expect(Math.abs(one - xs[0]! - (xs[1]! - one))).toBeLessThan(0.2);
  });

  it('refuses an empty plot', () => {
    expect(() => renderForestPlotSvg([], { id: 'm', title: 'T', subtitle: 'S' })).toThrow(RangeError);
  });
});
