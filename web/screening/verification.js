// The extraction-verification view of the screening page (plain JavaScript, no build step), for reviewers who
// verify, extract or arbitrate on a review that declares extraction verification. It uses the page's API client
// and DOM helpers (screening.js: window.livingReviewPage) and the verification API
// (/api/reviews/{id}/verification/...). Text reaches the DOM through textContent only. Blinding is the server's:
// a verifier's row arrives with their own verdict only until the row is verified
// (shared/domain/verification/blinding.ts); this page shows the viewer's own verdict and, to the row's resolver,
// the flags to resolve, nothing else.
//
// Keys (single keys, nothing while typing): Down/Up (or j/k) the next or previous row waiting, c confirms the
// row shown, f opens the flag form (its field picker in focus), Esc leaves the form.
(() => {
  const page = window.livingReviewPage;
  if (!page) return;
  const { $, el, api, say, fail, newEventId } = page;

  const view = {
    /** The queue's rows, to verify first then to resolve: {studyId, studyTitle, row, view}. */
    items: [],
    /** Index of the row shown (-1: none). */
    current: -1,
    busy: false,
  };

  const base = () => `/api/reviews/${encodeURIComponent(page.current().reviewId)}/verification`;
  const rowPath = (item) =>
    `${base()}/${encodeURIComponent(item.studyId)}/${encodeURIComponent(item.row.patientId)}`;
  const NOT_VARIABLES = new Set(['studyId', 'patientId']);

  /** A stored value as read: null is "not reported"; lists and numbers as JSON. */
  function shown(value) {
    if (value === null || value === undefined) return 'not reported';
    return typeof value === 'string' ? value : JSON.stringify(value);
  }

  /** The typed proposal as a value: empty is null; JSON when it reads as JSON, otherwise the text itself. */
  function typedValue(text) {
    const trimmed = text.trim();
    if (trimmed === '') return null;
    try {
      return JSON.parse(trimmed);
    } catch {
      return trimmed;
    }
  }

  const variablesOf = (row) => Object.keys(row).filter((name) => !NOT_VARIABLES.has(name));
  const item = () => view.items[view.current] ?? null;

  // ---------------------------------------------------------------------------------------------------
  // Rendering

  function renderList() {
    $('verification-empty').hidden = view.items.length > 0;
    $('verification-list').replaceChildren(
      ...view.items.map((entry, index) => {
        const li = el('li');
        const button = el('button');
        button.type = 'button';
        button.id = `verification-item-${index}`;
        button.append(
          `${entry.studyTitle || entry.studyId} · patient ${entry.row.patientId}`,
          ' ',
          el('span', entry.view.action === 'verify' ? '(to verify)' : '(to resolve)', 'hint'),
        );
        if (index === view.current) button.setAttribute('aria-current', 'true');
        button.addEventListener('click', () => open(index, true));
        li.append(button);
        return li;
      }),
    );
  }

  function renderRow(focusTitle) {
    const entry = item();
    closeFlagForm(false);
    $('verification-row').hidden = entry === null;
    if (!entry) return;
    const { row, view: v } = entry;
    $('verification-row-title').textContent = `Patient ${row.patientId}`;
    $('verification-row-study').textContent =
      `${entry.studyTitle || entry.studyId} · extracted by ${v.extractor}`;
    const verifying = v.action === 'verify';
    $('verification-row-stage').textContent = verifying
      ? `To verify: ${v.required} verifiers check each row independently`
      : 'Disputed: resolve each flagged field';
    $('verification-verify-actions').hidden = !verifying;
    // The viewer's own verdict only (a re-verification round after a correction shows none).
    const mine = v.mine;
    $('verification-mine').hidden = !mine;
    $('verification-mine').textContent = mine
      ? mine.verdict === 'confirm'
        ? 'You confirmed this row.'
        : `You flagged: ${mine.fields.map((f) => `${f.field} → ${shown(f.proposed)}`).join('; ')}`
      : '';
    $('verification-values').replaceChildren(
      ...variablesOf(row).map((name) => {
        const tr = el('tr');
        tr.dataset.field = name;
        const th = el('th', name);
        th.setAttribute('scope', 'row');
        tr.append(th, el('td', shown(row[name])));
        return tr;
      }),
    );
    $('verification-flag-field').replaceChildren(
      ...variablesOf(row).map((name) => {
        const option = el('option', name);
        option.value = name;
        return option;
      }),
    );
    renderResolve(entry);
    renderList();
    if (focusTitle) $('verification-row-title').focus();
  }

  /** The resolver's part: each open field with the extracted value and every proposal for it. */
  function renderResolve(entry) {
    const v = entry.view;
    const open = v.action === 'extractor' || v.action === 'arbiter' ? (v.open ?? []) : [];
    $('verification-resolve').hidden = open.length === 0;
    $('verification-flags').replaceChildren(
      ...open.map((field, index) => {
        const li = el('li', null, 'flagged-field');
        li.dataset.field = field;
        const fieldset = el('fieldset');
        fieldset.append(el('legend', `${field}: extracted ${shown(entry.row[field])}`));
        const proposals = (v.verdicts ?? []).flatMap((verdict) =>
          verdict.fields.filter((f) => f.field === field).map((f) => ({ ...f, by: verdict.reviewerId })),
        );
        for (const proposal of proposals) {
          const p = el('p', `${proposal.by} proposes ${shown(proposal.proposed)}: “${proposal.note}” `);
          const accept = el('button', `Accept ${shown(proposal.proposed)}`);
          accept.type = 'button';
          accept.dataset.decision = 'accept';
          accept.addEventListener(
            'click',
            () => void resolve(entry, field, 'accept', proposal.proposed, index),
          );
          p.append(accept);
          fieldset.append(p);
        }
        const noteId = `verification-keep-note-${index}`;
        const label = el('label', 'Note when keeping the extracted value');
        label.htmlFor = noteId;
        const note = el('input');
        note.id = noteId;
        note.type = 'text';
        note.maxLength = 2000;
        const keep = el('button', `Keep ${shown(entry.row[field])}`);
        keep.type = 'button';
        keep.dataset.decision = 'keep';
        keep.addEventListener('click', () => void resolve(entry, field, 'keep', undefined, index));
        fieldset.append(label, note, keep);
        li.append(fieldset);
        return li;
      }),
    );
  }

  function open(index, focusTitle) {
    if (index < 0 || index >= view.items.length) return;
    view.current = index;
    renderRow(focusTitle);
  }

  function openFlagForm() {
    const entry = item();
    if (entry?.view.action !== 'verify') return;
    $('verification-flag-form').hidden = false;
    $('verification-flag-field').focus();
  }

  function closeFlagForm(focusTitle) {
    $('verification-flag-form').hidden = true;
    $('verification-flag-value').value = '';
    $('verification-flag-note').value = '';
    if (focusTitle) $('verification-row-title').focus();
  }

  // The review-wide counts the API also returns are left out: with few rows, "disputed" or "awaiting" would tell
  // a verifier whether the other verifier flagged a row they both verify.
  function renderProgress() {
    const toVerify = view.items.filter((i) => i.view.action === 'verify').length;
    $('progress').textContent =
      `verification: ${toVerify} row(s) to verify, ${view.items.length - toVerify} to resolve`;
  }

  // ---------------------------------------------------------------------------------------------------
  // Actions

  /** Loads the queue and shows `keep` (a study and patient) if it still waits, otherwise the first row. */
  async function load(keep) {
    fail('');
    try {
      const data = await api(base());
      view.items = [...data.verify, ...data.resolve];
      const at = keep
        ? view.items.findIndex((i) => i.studyId === keep.studyId && i.row.patientId === keep.patientId)
        : -1;
      view.current = view.items.length === 0 ? -1 : Math.max(0, at);
      renderProgress();
      renderRow(true);
      if (view.items.length === 0) renderList();
    } catch (error) {
      if (error.status !== 401) fail(error.message);
    }
  }

  async function post(path, body) {
    if (view.busy) return null;
    view.busy = true;
    fail('');
    try {
      return await api(path, { method: 'POST', body: { ...body, eventId: newEventId() } });
    } catch (error) {
      if (error.status !== 401) fail(`Not recorded: ${error.message}`);
      return null;
    } finally {
      view.busy = false;
    }
  }

  async function confirm() {
    const entry = item();
    if (entry?.view.action !== 'verify') return;
    const result = await post(`${base()}/${encodeURIComponent(entry.studyId)}/confirm`, {
      patientIds: [entry.row.patientId],
    });
    if (!result) return;
    say(`Confirmed row ${entry.row.patientId}.`);
    await load(null);
  }

  async function flag(event) {
    event.preventDefault();
    const entry = item();
    if (entry?.view.action !== 'verify') return;
    const field = $('verification-flag-field').value;
    const note = $('verification-flag-note').value.trim();
    if (!note) {
      fail('Say why the value is wrong (a note).');
      $('verification-flag-note').focus();
      return;
    }
    const value = typedValue($('verification-flag-value').value);
    const result = await post(`${rowPath(entry)}/flags`, { fields: [{ field, value, note }] });
    if (!result) return;
    say(`Flagged ${field} of row ${entry.row.patientId}: you propose ${shown(value)}.`);
    await load(null);
  }

  async function resolve(entry, field, decision, value, index) {
    const note = $(`verification-keep-note-${index}`)?.value.trim() ?? '';
    if (decision === 'keep' && !note) {
      fail(`Say why ${field} keeps its extracted value (a note).`);
      $(`verification-keep-note-${index}`)?.focus();
      return;
    }
    const body = { field, decision, note: note || null, ...(decision === 'accept' ? { value } : {}) };
    const result = await post(`${rowPath(entry)}/resolutions`, body);
    if (!result) return;
    const row = result.rows[0];
    say(
      decision === 'accept'
        ? `Accepted ${shown(value)} for ${field} of row ${entry.row.patientId}.${row?.phase === 'verified' ? ' The row is verified.' : ''}`
        : `Kept ${field} of row ${entry.row.patientId}.${row?.phase === 'verified' ? ' The row is verified.' : ''}`,
    );
    await load({ studyId: entry.studyId, patientId: entry.row.patientId });
  }

  function onKey(event) {
    const target = event.target;
    if (
      target instanceof HTMLTextAreaElement ||
      target instanceof HTMLInputElement ||
      target instanceof HTMLSelectElement
    ) {
      if (event.key === 'Escape' && target.closest('#verification-flag-form')) {
        event.preventDefault();
        closeFlagForm(true);
      }
      return;
    }
    if ($('verify').hidden || event.ctrlKey || event.metaKey || event.altKey) return;
    const key = event.key;
    if (key === 'c') void confirm();
    else if (key === 'f') openFlagForm();
    else if (key === 'ArrowDown' || key === 'j') open(view.current + 1, true);
    else if (key === 'ArrowUp' || key === 'k') open(view.current - 1, true);
    else if (key === 'Escape' && !$('verification-flag-form').hidden) closeFlagForm(true);
    else return;
    event.preventDefault();
  }

  page.registerView({
    id: 'verify',
    button: 'view-verify',
    section: 'verify',
    available: (review) => review.verifies === true,
    show: () => void load(null),
    onKey,
  });

  $('verification-confirm').addEventListener('click', () => void confirm());
  $('verification-flag-open').addEventListener('click', openFlagForm);
  $('verification-flag-cancel').addEventListener('click', () => closeFlagForm(true));
  $('verification-flag-form').addEventListener('submit', (event) => void flag(event));
})();
