// The commented protocol `living-review init` writes: every section a review needs, each field explained, with
// one example of each variable type, a cross-field rule, a table, an endpoint and a comparison. It validates as
// written (a test checks), so a team edits a working file instead of starting from nothing.

export function protocolSkeleton(reviewId: string, today: string): string {
  return `# Protocol of the living review "${reviewId}", written by \`living-review init\` on ${today}.
# Check it with \`living-review protocol check protocols/${reviewId}.yaml\`; the README ("Review protocols")
# explains every field, and protocols/iesm.yaml and protocols/breast-ipd.yaml are worked examples.
id: ${reviewId}
title: "Title of the review"
# The search, in PubMed syntax (each source may override it).
query: "(condition[tiab]) AND (treatment[tiab])"
sources:
  - name: pubmed
  # - name: europepmc
# The original search date: the first run searches from here.
monitoringStart: "${today}"
schedule:
  cron: "0 6 ? * MON *" # EventBridge cron in UTC: every Monday 06:00
  overlapDays: 3 # each window reaches back this many days before the last successful run
eligibility:
  inclusion:
    - { id: population, text: "Adults with the condition" }
  exclusion:
    - { id: wrong-design, text: "Reviews, animal studies, commentaries" }
# One shared list of reasons for every exclusion, at every stage.
exclusionReasons:
  - { id: wrong-design, label: "Wrong study design", criterion: wrong-design }
  - { id: wrong-population, label: "Wrong population" }
reviewers: # two screeners decide independently; an arbiter settles conflicts
  - { id: reviewer-a, name: "Reviewer A", roles: [screener, extractor] }
  - { id: reviewer-b, name: "Reviewer B", roles: [screener, extractor] }
  - { id: reviewer-c, name: "Reviewer C", roles: [arbiter] }
keyTerms: [condition, treatment] # highlighted on the screening page
digest:
  recipients: [review-team@example.org]
  sendWhenEmpty: false
onRetraction: exclude-patients # or flag-only

# What is extracted for each patient. Every row also has patientId and studyId (the included study).
# Types: number, integer (unit, min, max, exclusiveMin, exclusiveMax), categorical and multi-categorical
# (levels: a value, or {value, label}), yes-no, event (0 = censored, 1 = event), date (YYYY-MM-DD), text.
# required: false lets a file leave the column out (then "not reported"); an empty cell is always "not reported".
extraction:
  variables:
    - { name: age_years, label: "Age", type: number, unit: years, min: 0, max: 120 }
    - name: sex
      type: categorical
      levels: [male, female]
    - name: sites
      label: "Sites involved"
      type: multi-categorical
      levels: [{ value: head, label: "Head and neck" }, trunk, limbs]
    - { name: surgery, label: "Surgery", type: yes-no }
    - { name: diagnosis_date, type: date, required: false }
    - { name: notes, type: text, required: false }
    - { name: os_months, label: "Overall survival time", type: number, unit: months, min: 0 }
    - { name: os_event, label: "Died", type: event }
  # Cross-field rules: when every "when" condition holds, every "must" condition must.
  # Conditions: is / isNot (a value or a list), reported (true/false), empty (multi-valued lists),
  # atMost / atLeast (another number or date variable).
  rules:
    - when: { variable: os_event, reported: true }
      must: { variable: os_months, reported: true }
      message: "an event needs its time"

# The pooled tables: rows count patients (count), one level (level), several levels (levels, or "observed"),
# or give a median (range) (median-range, iqr: true adds the interquartile range); subset restricts a row.
tables:
  - id: "1"
    title: "Patient characteristics"
    sections:
      - title: Cohort
        rows: [{ kind: count, label: "Patients (no.)", indent: 0 }]
      - title: Demographics
        rows:
          - { kind: median-range, variable: age_years, label: "Age (years), median (range)", iqr: true }
          - kind: levels
            variable: sex
            levels: [{ level: male, label: "Male" }, { level: female, label: "Female" }]
      - title: Treatment
        rows: [{ kind: level, variable: surgery, level: "yes", label: "Surgery" }]

# Kaplan-Meier endpoints (a time and an event variable each) and log-rank comparisons by a variable
# (or by studyId). Each uses only the patients who report what it needs.
survival:
  endpoints:
    - { id: os, label: "Overall survival", time: os_months, event: os_event, followUp: true }
  comparisons:
    - { id: os_by_surgery, endpoint: os, by: surgery }

# When to tell the team that the evidence changed (once per crossing).
updateTriggers:
  - { kind: new-patients, atLeast: 5 }
  - { kind: km-median-shift, endpoint: os, moreThan: 2 }
`;
}
