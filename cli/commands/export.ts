// `living-review export --review ID [--format json|ris|csv] [--out FILE]`: the whole record of a review, for a
// team to leave with everything (shared/app/export-review.ts). json: every citation with its sources, the
// screening events with their reasons, possible duplicates, inclusions with retractions and withdrawals,
// publication notices, patient rows and the search log, plus every stored item, which `living-review import
// FILE --review ID` restores into an empty store. ris and csv: the citations, one record or row each, with their
// sources, screening, inclusion and patient count.
import { writeFile } from 'node:fs/promises';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoAppraisalStore } from '../../shared/adapters/dynamodb/appraisal-store.ts';
import { DynamoDigestStore } from '../../shared/adapters/dynamodb/digest-store.ts';
import { DynamoReviewArchive } from '../../shared/adapters/dynamodb/review-archive.ts';
import { DynamoScreeningStore } from '../../shared/adapters/dynamodb/screening-store.ts';
import { DynamoVerificationStore } from '../../shared/adapters/dynamodb/verification-store.ts';
import {
  type ExportSection,
  exportReview,
  reviewRecordToCsv,
  reviewRecordToRis,
} from '../../shared/app/export-review.ts';
import { type Command, formatOption, optionalString, readFormat } from '../command.ts';
import { openStore, reviewOptions, selectReview, storeOptions } from '../context.ts';
import { jsonText } from '../format.ts';
import { whileReading } from '../progress.ts';
import { evidenceStoreOf } from './stats.ts';

/**
 * Sections other parts of the product add to the JSON record (record.extensions.<name>): `appraisals`, every
 * study's appraisal log (designs and answers, in order); `verification`, every study's extraction-verification
 * log (extractors, confirmations, flags and resolutions, in order). Their stored items are exported and restored already
 * with all the others.
 */
export function exportSections(table: {
  client: DynamoDBDocumentClient;
  tableName: string;
}): ExportSection[] {
  const appraisals = new DynamoAppraisalStore(table);
  const verification = new DynamoVerificationStore(table);
  return [
    { name: 'appraisals', read: (reviewId) => appraisals.listReviewEvents(reviewId) },
    { name: 'verification', read: (reviewId) => verification.listReviewEvents(reviewId) },
  ];
}

export const exportCommand: Command = {
  name: 'export',
  store: true,
  summary: "A review's whole record (citations, screening, inclusions, patient rows) as JSON, RIS or CSV",
  usage:
    'export --review ID [--format json|ris|csv] [--out FILE] [--protocol FILE] [--data DIR | --aws-table NAME]',
  help: [
    'json (the default): {format, version, reviewId, exportedAt, record, items}. record holds citations (with',
    'keys and sourceRecords), duplicates, screeningEvents, possibleDuplicates, studies, notices, patientRows,',
    'searches and extensions; items holds every stored item of the review in DynamoDB JSON, which',
    '`living-review import FILE --review ID` writes back into an empty review (a restore).',
    'ris: one record per citation, ID = its id, N1 notes on sources, screening, inclusion and patients.',
    'csv: one row per citation with the same (patient rows themselves: json, or extract export).',
  ].join('\n'),
  options: { ...reviewOptions, ...storeOptions, ...formatOption('json'), out: { type: 'string' } },
  async run({ values }, io) {
    const format = readFormat(values, ['json', 'ris', 'csv']);
    const out = optionalString(values, 'out');
    const protocol = await selectReview(values);
    const connection = await openStore(values);
    try {
      const table = { client: connection.client, tableName: connection.tableName };
      const exported = await whileReading(io, connection, `exporting review "${protocol.id}"`, () =>
        exportReview(protocol.id, {
          citations: connection.store,
          screening: new DynamoScreeningStore(table),
          evidence: evidenceStoreOf(connection),
          notices: new DynamoDigestStore(table),
          archive: new DynamoReviewArchive(table),
          sections: exportSections(table),
          clock: () => new Date(),
        }),
      );
      const eol = out ? '\r\n' : '\n';
      const text =
        format === 'json'
          ? `${jsonText(exported, 2)}\n`
          : format === 'ris'
            ? reviewRecordToRis(exported.record, protocol.exclusionReasons)
            : reviewRecordToCsv(exported.record, protocol.exclusionReasons, { eol });
      const { record } = exported;
      const summary = `review "${protocol.id}": ${record.citations.length} citations, ${record.screeningEvents.length} screening events, ${record.studies.length} included studies, ${record.patientRows.length} patient rows, ${exported.items.length} stored items`;
      if (out) {
        await writeFile(out, text, 'utf8');
        io.err(`exported ${summary} to ${out} (${format})`);
      } else {
        io.out(text.replace(/\r?\n$/, ''));
        io.err(`exported ${summary} (${format})`);
      }
      return 0;
    } finally {
      await connection.close();
    }
  },
};
