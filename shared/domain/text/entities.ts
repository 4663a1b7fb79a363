// Character and entity references in text from records and services (`&amp;`, `&#233;`, `&#xE9;`), decoded the
// same way everywhere: a numeric reference to a code point that does not exist, or a name not in the table, is
// left as written (lenient: this is text to read and compare, not XML to validate; the PubMed XML parser keeps
// its own strict decoder, which rejects such references as syntax errors).

/** The five entities XML predefines. */
export const XML_ENTITIES: Readonly<Record<string, string>> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
};

const REFERENCE = /&(#[xX][0-9a-fA-F]{1,6}|#\d{1,7}|[a-zA-Z]+);/g;

/**
 * `text` with its references decoded: numeric ones to their code point, names through `named` (default the XML
 * five), then `unknown(name)` when given; anything else stays as it is.
 * @example decodeEntities('Leucocyte &amp; S&#xe3;o Paulo') // "Leucocyte & São Paulo"
 */
export function decodeEntities(
  text: string,
  options: {
    named?: Readonly<Record<string, string>>;
    unknown?: (name: string) => string | undefined;
  } = {},
): string {
  if (!text.includes('&')) return text;
  const named = options.named ?? XML_ENTITIES;
  return text.replace(REFERENCE, (whole, body: string) => {
    if (body.startsWith('#')) {
      const code =
        body[1] === 'x' || body[1] === 'X' ? Number.parseInt(body.slice(2), 16) : Number(body.slice(1));
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return named[body] ?? options.unknown?.(body) ?? whole;
  });
}
