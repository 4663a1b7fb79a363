// The e-mail that tells the team an update trigger was crossed: which triggers, at which statistics version,
// what was measured. Every value is escaped in the HTML body and put on one line in the text body.
import { escapeHtml, link, oneLine } from '../digest/html.ts';

export interface TriggerNotificationInput {
  reviewId: string;
  reviewTitle: string;
  version: number;
  crossings: readonly { description: string; detail: string; baselineVersion: number }[];
  reportUrl: string | null;
}

export function renderTriggerNotification(input: TriggerNotificationInput): {
  subject: string;
  text: string;
  html: string;
} {
  const count = input.crossings.length;
  const subject = oneLine(
    `[${input.reviewId}] Update trigger${count === 1 ? '' : 's'} crossed at statistics version ${input.version}`,
  );
  const text = [
    oneLine(input.reviewTitle),
    '',
    `The evidence changed enough for the protocol's update trigger${count === 1 ? '' : 's'} (statistics version ${input.version}):`,
    '',
    ...input.crossings.flatMap((c) => [`* ${oneLine(c.description)}`, `  ${oneLine(c.detail)}`]),
    '',
    input.reportUrl ? `Living report: ${input.reportUrl}` : 'See the living report for the full tables.',
    '',
  ].join('\n');
  const html = [
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
    `<title>${escapeHtml(subject)}</title></head>`,
    '<body style="font-family:Segoe UI,Helvetica,Arial,sans-serif;color:#1d2330;max-width:680px;margin:0 auto;padding:20px;">',
    `<h1 style="font-size:20px;">${escapeHtml(input.reviewTitle)}</h1>`,
    `<p>The evidence changed enough for the protocol's update trigger${count === 1 ? '' : 's'} (statistics version ${input.version}):</p>`,
    '<ul>',
    ...input.crossings.map(
      (c) =>
        `<li><strong>${escapeHtml(c.description)}</strong><br><span style="color:#5b6473;">${escapeHtml(c.detail)}</span></li>`,
    ),
    '</ul>',
    `<p>${input.reportUrl ? link(input.reportUrl, 'Open the living report') : 'See the living report for the full tables.'}</p>`,
    '</body></html>',
  ].join('\n');
  return { subject, text, html };
}
