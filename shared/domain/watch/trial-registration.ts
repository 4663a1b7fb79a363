// An ongoing study as a trial registry describes it (ClinicalTrials.gov today): what the digest and the report
// list under "ongoing studies". Registrations are not records to screen: a registered trial is evidence that
// is coming, not evidence to pool, so they are kept apart from citations.
export interface TrialRegistration {
  /** Where it is registered, e.g. "clinicaltrials". */
  registry: string;
  /** The registry's id, e.g. "NCT01234567". */
  id: string;
  title: string;
  /** The registry's recruitment status, e.g. "RECRUITING", "COMPLETED". */
  status: string | null;
  conditions: string[];
  interventions: string[];
  sponsor: string | null;
  studyType: string | null;
  phases: string[];
  enrollment: number | null;
  startDate: string | null;
  completionDate: string | null;
  /** When the registration was first posted (YYYY-MM-DD or YYYY-MM). */
  firstPosted: string | null;
  /** When the registry last posted a change (YYYY-MM-DD): the window is cut on it. */
  lastUpdatePosted: string;
  hasResults: boolean;
}

/** The registration's public page. */
export function registrationUrl(registration: Pick<TrialRegistration, 'registry' | 'id'>): string | null {
  return registration.registry === 'clinicaltrials'
    ? `https://clinicaltrials.gov/study/${encodeURIComponent(registration.id)}`
    : null;
}
