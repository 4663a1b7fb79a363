// PubMed's date elements: months as "Jun" or "06", free-text MedlineDate ("2016 Jul-Sep", "1998 Dec-1999 Jan"),
// and the History dates a monitor window is cut on.

const MONTH_NAMES = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];

/** 1-12 from "Jun", "June", "jun.", "06" or "6"; null for anything else (seasons, "13", ""). */
export function parseMonth(raw: string | null | undefined): number | null {
  if (!raw) return null;
  const text = raw.trim();
  if (/^\d{1,2}$/.test(text)) {
    const month = Number(text);
    return month >= 1 && month <= 12 ? month : null;
  }
  if (!/^[A-Za-z]{3,9}\.?$/.test(text)) return null;
  // An abbreviation of at least three letters of the month's own name: "Jun", "June", "Sept", "Sep.".
  const word = text.replace(/\.$/, '').toLowerCase();
  const index = MONTH_NAMES.findIndex((name) => name.startsWith(word));
  return index === -1 ? null : index + 1;
}

/** 1-31 from "04" or "4"; null otherwise. */
export function parseDay(raw: string | null | undefined): number | null {
  if (!raw) return null;
  const text = raw.trim();
  if (!/^\d{1,2}$/.test(text)) return null;
  const day = Number(text);
  return day >= 1 && day <= 31 ? day : null;
}

/** A four-digit year; null otherwise. */
export function parseYear(raw: string | null | undefined): number | null {
  if (!raw) return null;
  const text = raw.trim();
  return /^\d{4}$/.test(text) ? Number(text) : null;
}

/** The first four-digit year in a MedlineDate: "2016 Jul-Sep" -> 2016, "1998 Dec-1999 Jan" -> 1998. */
export function yearFromMedlineDate(raw: string | null | undefined): number | null {
  if (!raw) return null;
  const match = /(?:^|\D)(\d{4})(?!\d)/.exec(raw);
  return match ? Number(match[1]) : null;
}

/** "YYYY-MM-DD" when the parts make a real calendar day; null otherwise. */
export function isoDate(year: number | null, month: number | null, day: number | null): string | null {
  if (year === null || month === null || day === null) return null;
  const date = new Date(Date.UTC(year, month - 1, day));
  // Date.UTC maps years 0-99 to 1900-1999, and rolls Feb 30 over to March: both mean "not a date".
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) {
    return null;
  }
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}
