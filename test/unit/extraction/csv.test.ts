import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatCsv, formatCsvCell, parseCsv } from '../../../shared/domain/extraction/csv.ts';
import { InputError } from '../../../shared/errors.ts';

const cellsOf = (text: string) => parseCsv(text, 'f.csv').map((record) => record.cells);

function errorOf(action: () => unknown): Error {
  try {
    action();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}

describe('Function: parseCsv', () => {
  it('splits plain cells and records, with or without a final line end', () => {
    expect(cellsOf('a,b\n1,2\n')).toEqual([
      ['a', 'b'],
      ['1', '2'],
    ]);
    expect(cellsOf('a,b\n1,2')).toEqual([
      ['a', 'b'],
      ['1', '2'],
    ]);
  });

  it('keeps empty cells, including a trailing one and a line that is one empty cell', () => {
    expect(cellsOf('a,,c\n,\n\nx,')).toEqual([['a', '', 'c'], ['', ''], [''], ['x', '']]);
  });

  it('reads quoted cells with commas, doubled quotes and line breaks inside', () => {
    const text = 'id,note\r\n1,"a, b"\r\n2,"say ""hi"""\r\n3,"two\r\nlines"\r\n4,""\r\n';
    expect(cellsOf(text)).toEqual([
      ['id', 'note'],
      ['1', 'a, b'],
      ['2', 'say "hi"'],
      ['3', 'two\r\nlines'],
      ['4', ''],
    ]);
  });

  it('accepts CRLF, LF and lone CR line ends and drops a byte-order mark', () => {
    expect(cellsOf('\uFEFFa,b\r\n1,2\n3,4\r5,6')).toEqual([
      ['a', 'b'],
      ['1', '2'],
      ['3', '4'],
      ['5', '6'],
    ]);
  });

  it('numbers each record by the file line it starts on, counting line breaks inside quoted cells', () => {
    const records = parseCsv('h1,h2\n1,"x\ny\nz"\n2,b\r\n\r\n3,c', 'f.csv');
    expect(records.map((record) => record.line)).toEqual([1, 2, 5, 6, 7]);
  });

  it('returns no records for empty text', () => {
    expect(parseCsv('', 'f.csv')).toEqual([]);
    expect(parseCsv('\uFEFF', 'f.csv')).toEqual([]);
  });

  it('rejects a quoted cell that never closes, naming the line it opens on', () => {
    const error = errorOf(() => parseCsv('a,b\n1,2\n3,"open\nstill open', 'data.csv'));
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toBe('data.csv line 3: a quoted cell is never closed');
  });

  it('rejects a quote inside an unquoted cell', () => {
    const error = errorOf(() => parseCsv('a,b\n1,5" disc\n', 'data.csv'));
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toMatch(/^data\.csv line 2: a quote \("\) inside an unquoted cell/);
  });

  it('rejects text after a closing quote', () => {
    const error = errorOf(() => parseCsv('a,b\n"x"y,2\n', 'data.csv'));
    expect(error.message).toMatch(/^data\.csv line 2: unexpected text after a closing quote/);
  });
});

describe('Function: formatCsv', () => {
  it('quotes only cells that need it', () => {
    expect(formatCsvCell('plain')).toBe('plain');
    expect(formatCsvCell('a,b')).toBe('"a,b"');
    expect(formatCsvCell('say "hi"')).toBe('"say ""hi"""');
    expect(formatCsvCell('two\nlines')).toBe('"two\nlines"');
    expect(formatCsvCell(' padded')).toBe('" padded"');
    expect(formatCsvCell('')).toBe('');
  });

  it('ends every line with CRLF by default and LF on request', () => {
    expect(formatCsv([['a', 'b'], ['1']])).toBe('a,b\r\n1\r\n');
    expect(formatCsv([['a', 'b'], ['1']], { eol: '\n' })).toBe('a,b\n1\n');
  });

  it('reads back exactly what it writes, for any cells', () => {
    const cell = fc.string({ unit: fc.constantFrom('a', 'Z', ' ', ',', '"', '\n', '\r', ';', 'é', '0') });
    const records = fc.array(fc.array(cell, { minLength: 1, maxLength: 5 }), { maxLength: 6 });
    fc.assert(
      fc.property(records, fc.constantFrom('\r\n' as const, '\n' as const), (input, eol) => {
        expect(cellsOf(formatCsv(input, { eol }))).toEqual(input);
      }),
    );
  });

  it('neutralises formulas as OWASP advises (a leading quote), leaving plain numbers alone', () => {
    const cells = [
      '=HYPERLINK("http://x","y")',
      "+cmd|' /C calc'!A0",
      '@SUM(1,2)',
      '-2+3',
      '\tTAB',
      '-5',
      '+1.5e3',
      'a=b',
    ];
    const text = formatCsv([cells], { eol: '\n' });
    expect(text).toBe(
      `"'=HYPERLINK(""http://x"",""y"")",'+cmd|' /C calc'!A0,"'@SUM(1,2)",'-2+3,'\tTAB,-5,+1.5e3,a=b\n`,
    );
    expect(cellsOf(text)).toEqual([cells]);
  });

  it('keeps a cell that already starts with a quote before a formula distinct from a neutralised one', () => {
    const cells = ["'=1+1", "''=x", "'plain"];
    expect(cellsOf(formatCsv([cells]))).toEqual([cells]);
  });

  it('quotes a cell that starts with #, so a first cell is never read as a comment line', () => {
    const text = formatCsv([['#12', 'x']], { eol: '\n' });
    expect(text).toBe('"#12",x\n');
    expect(parseCsv(text, 'c.csv', { comments: true }).map((r) => r.cells)).toEqual([['#12', 'x']]);
  });

  it('skips comment lines only when asked, counting their lines', () => {
    const text = 'a,b\n# a note, with "quotes\n1,2\n';
    expect(parseCsv(text, 'c.csv', { comments: true })).toEqual([
      { cells: ['a', 'b'], line: 1 },
      { cells: ['1', '2'], line: 3 },
    ]);
    expect(() => parseCsv(text, 'c.csv')).toThrow(/a quote/);
  });
});
