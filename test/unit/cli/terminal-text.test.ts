// The CLI's one terminal sanitiser (terminalText, applied to every line cli/main.ts prints) and its JSON
// printer (jsonText): whatever a record holds, nothing printed is a control character a terminal acts on, and
// JSON stays lossless.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { jsonText, terminalText } from '../../../cli/format.ts';

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is the point
const ACTIVE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]|\r(?!\n)/;
const anyText = fc.string({
  unit: fc.oneof(
    fc.integer({ min: 0, max: 0xa0 }).map((c) => String.fromCharCode(c)),
    fc.constantFrom('é', '≈', '\u2028'),
  ),
  maxLength: 60,
});

describe('terminalText', () => {
  test('each control character becomes "?"; tab, newline and CRLF line ends stay', () => {
    expect(terminalText('a\u0007b\u001b[2Jc\u009bd\te\nf\r\ng\rh\u007f')).toBe('a?b?[2Jc?d\te\nf\r\ng?h?');
  });

  test('leaves nothing a terminal acts on, and changes nothing else', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const safe = terminalText(text);
        expect(safe).not.toMatch(ACTIVE);
        expect(safe.length).toBe(text.length);
        expect(terminalText(safe)).toBe(safe);
      }),
    );
  });
});

describe('jsonText', () => {
  test('parses back to the same value and holds no control character, so terminalText leaves it as it is', () => {
    fc.assert(
      fc.property(fc.array(anyText, { maxLength: 4 }), fc.constantFrom(undefined, 2), (values, indent) => {
        const json = jsonText({ values }, indent);
        expect(JSON.parse(json)).toEqual({ values });
        expect(json).not.toMatch(ACTIVE);
        expect(terminalText(json)).toBe(json);
      }),
    );
  });
});
