// `living-review watch-retractions --review ID`: re-fetch the included studies' PubMed records (efetch by id,
// NCBI_EUTILS_BASE_URL and the other NCBI_* settings as for `run`) and, when the protocol lists crossref, look
// their DOIs up in Crossref's update notices (CROSSREF_BASE_URL, CROSSREF_EMAIL for the polite pool), and record
// retractions, errata, expressions of concern and updates. A newly retracted study is flagged; under
// onRetraction "exclude-patients" the statistics are recomputed without its patients. The living report is
// then regenerated (as `report` does).
import { CrossrefClient, crossrefConfigFromEnv } from '../../shared/adapters/crossref/crossref-client.ts';
import { efetchPubmedByIds } from '../../shared/adapters/pubmed/efetch-by-ids.ts';
import { EutilsClient, eutilsConfigFromEnv } from '../../shared/adapters/pubmed/eutils-client.ts';
import { watchRetractions } from '../../shared/app/watch-retractions.ts';
import { describeRequests } from '../../shared/domain/monitor/request-counts.ts';
import { watchesCrossref } from '../../shared/domain/protocol/sources.ts';
import { NOTICE_LABELS } from '../../shared/domain/retraction/notices.ts';
import type { Command } from '../command.ts';
import { openStore, reviewOptions, selectReview } from '../context.ts';
import { livingReviewDeps, refreshReport } from './report.ts';

export const watchRetractionsCommand: Command = {
  name: 'watch-retractions',
  store: true,
  summary: "Re-fetch the included studies' PubMed records and act on retractions and corrections",
  usage: 'watch-retractions --review ID [--from ADDRESS] [--protocol FILE] [--data DIR]',
  options: { ...reviewOptions, from: { type: 'string' } },
  async run({ values }, io) {
    const protocol = await selectReview(values);
    const client = new EutilsClient(eutilsConfigFromEnv(process.env));
    const crossref = watchesCrossref(protocol)
      ? new CrossrefClient(crossrefConfigFromEnv(process.env))
      : null;
    const embedded = await openStore(values);
    try {
      const deps = livingReviewDeps(embedded, values);
      const outcome = await watchRetractions(
        { protocol },
        {
          ...deps,
          fetchRecords: (pmids) => efetchPubmedByIds(client, pmids),
          ...(crossref ? { doiUpdates: (dois: readonly string[]) => crossref.updatesOf(dois) } : {}),
          afterChange: () => refreshReport(protocol, deps, io),
        },
      );
      io.err(
        `checked ${outcome.checked} included stud${outcome.checked === 1 ? 'y' : 'ies'} in PubMed${
          crossref
            ? `, ${outcome.checkedCrossref} in Crossref (${describeRequests(crossref.requestCounts())})`
            : ''
        }${outcome.notChecked.length ? ` (${outcome.notChecked.length} checked by neither: no PMID${crossref ? ' or DOI' : ''})` : ''}`,
      );
      if (outcome.missing.length) io.err(`PubMed did not return: ${outcome.missing.join(', ')}`);
      for (const notice of outcome.newNotices) {
        io.out(
          `${NOTICE_LABELS[notice.kind]}: ${notice.studyTitle}${notice.studyPmid ? ` (PMID ${notice.studyPmid})` : ''}${notice.noticePmid ? `, notice PMID ${notice.noticePmid}` : ''}`,
        );
      }
      for (const study of outcome.retracted) {
        io.out(
          `flagged as retracted: ${study.title}${protocol.onRetraction === 'exclude-patients' ? ' (its patients leave the statistics)' : ''}`,
        );
      }
      if (outcome.recompute?.changed) io.out(`statistics version ${outcome.recompute.version} stored`);
      if (outcome.newNotices.length === 0 && outcome.retracted.length === 0) io.out('no new notice');
      return 0;
    } finally {
      await embedded.close();
      await client.close();
      await crossref?.close();
    }
  },
};
