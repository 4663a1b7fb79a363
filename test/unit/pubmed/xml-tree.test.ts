// The strict XML reader: well-formedness checks, and the plain text it makes of mixed content (titles and
// abstracts), with property tests for idempotence, markup and whitespace invariance and entity round trips.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  childElements,
  collapseWhitespace,
  escapeXml,
  inlineXmlToText,
  parseXmlElement,
  textContent,
  XmlSyntaxError,
} from '../../../shared/adapters/pubmed/xml-tree.ts';

function syntaxError(xml: string): XmlSyntaxError {
  try {
    parseXmlElement(xml);
  } catch (error) {
    expect(error).toBeInstanceOf(XmlSyntaxError);
    return error as XmlSyntaxError;
  }
  throw new Error(`expected an XmlSyntaxError for ${xml}`);
}

describe('parseXmlElement', () => {
  test('elements, attributes in either quote, self-closing tags, CDATA, comments and PIs', () => {
    const root = parseXmlElement(
      `<a x="1" y='&lt;2&gt;'>t&amp;<b/><!-- c --><?pi x?><c><![CDATA[<raw> & ]]></c>\n</a>`,
    );
    expect(root.name).toBe('a');
    expect(root.attributes).toEqual({ x: '1', y: '<2>' });
    expect(root.content[0]).toBe('t&');
    expect(childElements(root, 'b')).toHaveLength(1);
    expect(textContent(childElements(root, 'c')[0])).toBe('<raw> &');
  });

  test.each([
    ['<a><b></a></b>', /end tag <\/a> does not match <b>/, 6],
    ['<a>', /<a> is not closed/, 0],
    ['<a></a><b/>', /a second element/, 7],
    ['<a>x & y</a>', /"&"/, 5],
    ['<a>&eacute;</a>', /undefined entity &eacute;/, 3],
    ['<a>&#xD800;</a>', /not an XML character/, 3],
    ['<a>&#0;</a>', /not an XML character/, 3],
    ['<a b=1/>', /not quoted/, 3],
    ['<a b="1"c="2"/>', /separated by whitespace/, 8],
    ['<a b="1" b="2"/>', /repeated/, 9],
    ['<a b="<"/>', /"<" in the value/, 6],
    ['<a b="1></a>', /"<" in the value of attribute b/, 8],
    ['<a b="1', /attribute b is not closed/, 5],
    ['<a>< b</a>', /does not start a tag/, 3],
    ['<a></ a>', /malformed end tag/, 3],
    ['<a><!-- x </a>', /comment is not closed/, 3],
    ['<a><![CDATA[ x </a>', /CDATA section is not closed/, 3],
    ['<a><!DOCTYPE a></a>', /markup declaration/, 3],
    ['text<a/>', /text outside the element/, 0],
    ['   ', /no element/, 0],
  ])('%s is not well-formed', (xml, message, offset) => {
    const error = syntaxError(xml);
    expect(error.message).toMatch(message);
    expect(error.offset).toBe(offset);
  });

  test('reads only its range of a larger string', () => {
    const source = 'junk<x>in</x>junk';
    expect(textContent(parseXmlElement(source, 4, 13))).toBe('in');
    // Cut inside the element: its end tag is outside the range.
    expect(() => parseXmlElement(source, 4, 12)).toThrow(XmlSyntaxError);
  });
});

describe('textContent of mixed content', () => {
  test('inline markup keeps its text, tags and layout whitespace go', () => {
    expect(inlineXmlToText('Leucocyte telomere length at the <i>TERT</i> gene, r<sup>2</sup>&lt;0.25')).toBe(
      'Leucocyte telomere length at the TERT gene, r2<0.25',
    );
    expect(inlineXmlToText('  a\n\t b&#xa0;&#xa0;c  ')).toBe('a b c');
  });

  test('MathML: indentation between elements dropped, token text (even a lone space) kept', () => {
    const math =
      'inhaled <mml:math xmlns:mml="http://www.w3.org/1998/Math/MathML">\n  <mml:mrow>\n    <mml:mi>He</mml:mi>\n    <mml:mn>3</mml:mn>\n    <mml:mtext> </mml:mtext>\n    <mml:mi>MRI</mml:mi>\n  </mml:mrow>\n</mml:math> ventilation';
    expect(inlineXmlToText(math)).toBe('inhaled He3 MRI ventilation');
  });
});

/** Text of XML characters (no controls, no lone surrogates, no U+FFFE/FFFF), any script. */
const xmlText = fc.string({ unit: 'grapheme', maxLength: 40 }).map((s) =>
  [...s]
    .filter((c) => {
      const code = c.codePointAt(0)!;
      return (
        (code >= 0x20 || code === 0x9 || code === 0xa || code === 0xd) && code !== 0xfffe && code !== 0xffff
      );
    })
    .join(''),
);
const INLINE = ['i', 'b', 'u', 'sup', 'sub'];

function collapse(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** XML-escape `text`, wrapping random stretches of it in inline tags. */
function markUp(text: string, cuts: [number, number, string][]): string {
  const chars = [...text];
  const opens = new Map<number, string[]>();
  const closes = new Map<number, string[]>();
  // Properly nested: each new tag goes inside no other (stretches are disjoint), so nesting is trivial.
  let free = 0;
  for (const [a, b, tag] of [...cuts].sort((x, y) => x[0] - y[0])) {
    const from = Math.max(free, a % (chars.length + 1));
    const to = Math.min(chars.length, from + 1 + (b % 4));
    if (to <= from) continue;
    opens.set(from, [...(opens.get(from) ?? []), tag]);
    closes.set(to, [tag, ...(closes.get(to) ?? [])]);
    free = to;
  }
  let out = '';
  for (let i = 0; i <= chars.length; i++) {
    for (const tag of closes.get(i) ?? []) out += `</${tag}>`;
    for (const tag of opens.get(i) ?? []) out += `<${tag}>`;
    if (i < chars.length) out += escapeXml(chars[i]!);
  }
  return out;
}

describe('plain text properties', () => {
  test('collapseWhitespace is exactly "every \\s run to one space, trimmed"', () => {
    const spacey = fc.string({
      unit: fc.constantFrom(
        ' ',
        '  ',
        '\t',
        '\n',
        '\u00a0',
        '\u2028',
        '\u3000',
        'a',
        'é',
        '\u0085',
        '\u0001',
      ),
    });
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'grapheme' }), spacey), (text) => {
        expect(collapseWhitespace(text)).toBe(text.replace(/\s+/g, ' ').trim());
      }),
      { numRuns: 500 },
    );
  });

  test('entity round trip: escaped or all-numeric references decode to the text', () => {
    fc.assert(
      fc.property(xmlText, (text) => {
        const numeric = [...text].map((c) => `&#x${c.codePointAt(0)!.toString(16)};`).join('');
        const decimal = [...text].map((c) => `&#${c.codePointAt(0)};`).join('');
        expect(inlineXmlToText(escapeXml(text))).toBe(collapse(text));
        expect(inlineXmlToText(numeric)).toBe(collapse(text));
        expect(inlineXmlToText(decimal)).toBe(collapse(text));
      }),
    );
  });

  test('markup invariance: inline tags anywhere change nothing', () => {
    fc.assert(
      fc.property(
        xmlText,
        fc.array(fc.tuple(fc.nat(), fc.nat(), fc.constantFrom(...INLINE))),
        (text, cuts) => {
          expect(inlineXmlToText(markUp(text, cuts))).toBe(collapse(text));
        },
      ),
    );
  });

  test('whitespace invariance: any whitespace run reads as one space', () => {
    fc.assert(
      fc.property(
        fc.array(
          xmlText.map((s) => s.replace(/\s/g, '')).filter((s) => s.length > 0),
          { minLength: 1 },
        ),
        fc.array(
          fc.string({ unit: fc.constantFrom(' ', '\n', '\t', '\r', '&#xa0;', '&#x2009;'), minLength: 1 }),
        ),
        (words, gaps) => {
          const xml = words.map((w, i) => `${escapeXml(w)}${gaps[i] ?? ' '}`).join('');
          expect(inlineXmlToText(xml)).toBe(words.join(' '));
        },
      ),
    );
  });

  test('idempotent: plain text written back as XML reads the same', () => {
    fc.assert(
      fc.property(
        xmlText,
        fc.array(fc.tuple(fc.nat(), fc.nat(), fc.constantFrom(...INLINE))),
        (text, cuts) => {
          const once = inlineXmlToText(markUp(text, cuts));
          expect(inlineXmlToText(escapeXml(once))).toBe(once);
        },
      ),
    );
  });
});
