// The screening page: plain JavaScript, no framework, no build step. Every piece of record text reaches the
// DOM through textContent or text nodes, never through innerHTML, so a title containing <script> shows as
// text. The token lives in sessionStorage (never a cookie) and travels in the Authorization header only.
// The server enforces blinding and roles; this page only shows what the API returns.
// Signing in: locally, the reviewer's token (a link the server printed puts it in the URL fragment, which the
// page removes at once). On AWS, Cognito's authorization code flow with PKCE: the page sends the SHA-256 of a
// one-time verifier to the authorize endpoint and trades the code it gets back, with the verifier, for the ID
// token (shared/adapters/http/sign-in.ts; the server names the endpoints in a meta element).
(() => {
  const TOKEN_KEY = 'living-review-token';
  const PKCE_KEY = 'living-review-sign-in';
  const STAGE_NAMES = { 'title-abstract': 'Title and abstract', 'full-text': 'Full text' };
  const $ = (id) => document.getElementById(id);

  const state = {
    token: null,
    reviewId: null,
    review: null,
    mode: 'screener',
    record: null,
    /** The stage a reopened record is being decided at again (null: the record's open stage). */
    changing: null,
    skip: [],
    /** Records decided in this session, last on top: what u goes back to. */
    decided: [],
    busy: false,
    excluding: false,
    /** The next page of "my decisions" (null: none). */
    decisionsAfter: null,
  };

  // ---------------------------------------------------------------------------------------------------
  // DOM helpers (text only)

  function el(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }

  function escapeRegExp(text) {
    return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }

  /** Text nodes with the protocol's key terms wrapped in <mark> (whole words, case-insensitive). */
  function highlighted(text, terms) {
    const fragment = document.createDocumentFragment();
    const usable = terms.filter((t) => t.trim().length > 0).sort((a, b) => b.length - a.length);
    if (usable.length === 0) {
      fragment.append(document.createTextNode(text));
      return fragment;
    }
    const pattern = new RegExp(`\\b(${usable.map(escapeRegExp).join('|')})\\b`, 'gi');
    let last = 0;
    for (const match of text.matchAll(pattern)) {
      if (match.index > last) fragment.append(document.createTextNode(text.slice(last, match.index)));
      fragment.append(el('mark', match[0]));
      last = match.index + match[0].length;
    }
    if (last < text.length) fragment.append(document.createTextNode(text.slice(last)));
    return fragment;
  }

  function authorName(author) {
    if (author.collective) return author.collective;
    return [author.family, author.initials || author.given].filter(Boolean).join(' ');
  }

  function authorsLine(authors) {
    if (!authors || authors.length === 0) return 'No authors listed';
    const names = authors.slice(0, 6).map(authorName);
    return authors.length > 6 ? `${names.join(', ')}, et al. (${authors.length} authors)` : names.join(', ');
  }

  function say(message) {
    $('status').textContent = message;
  }

  function fail(message) {
    $('error').textContent = message;
  }

  function reasonLabel(id) {
    const reason = state.review?.exclusionReasons.find((r) => r.id === id);
    return reason ? reason.label : id;
  }

  function decisionText(d) {
    const reason = d.reasonId ? ` (${reasonLabel(d.reasonId)})` : '';
    const note = d.note ? `: “${d.note}”` : '';
    return `${d.reviewerId} (${d.role}): ${d.decision}${reason}${note}`;
  }

  // ---------------------------------------------------------------------------------------------------
  // API

  class ApiError extends Error {
    constructor(status, code, message) {
      super(message);
      this.status = status;
      this.code = code;
    }
  }

  async function api(path, options = {}) {
    const headers = { authorization: `Bearer ${state.token}` };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(path, {
      method: options.method || 'GET',
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      credentials: 'omit',
      cache: 'no-store',
    });
    const data = await response.json().catch(() => ({}));
    if (!response.ok) {
      if (response.status === 401) showSignIn('Your token was not accepted. Sign in again.');
      throw new ApiError(response.status, data.error?.code, data.error?.message || `HTTP ${response.status}`);
    }
    return data;
  }

  function newEventId() {
    if (crypto.randomUUID) return crypto.randomUUID();
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  }

  // ---------------------------------------------------------------------------------------------------
  // Views

  /**
   * Views other files add (appraisal.js), each {id, button, section, available(review), show(), onKey(event)}:
   * the ids of its nav button and section, whether the signed-in reviewer gets it, what showing it does, and
   * its keys (called for every key press while it shows).
   */
  const extraViews = [];

  function showSignIn(message) {
    sessionStorage.removeItem(TOKEN_KEY);
    state.token = null;
    $('signin').hidden = false;
    $('screen').hidden = true;
    $('conflicts').hidden = true;
    $('decisions').hidden = true;
    for (const view of extraViews) $(view.section).hidden = true;
    $('views').hidden = true;
    if (message) fail(message);
    const account = signInConfig() !== null;
    $('signin-account').hidden = !account;
    $('signin-form').hidden = account;
    $('signin-hint').hidden = account;
    if (account) $('signin-cognito').focus();
    else $('token-input').focus();
  }

  function setMode(mode) {
    state.mode = mode;
    state.skip = [];
    state.changing = null;
    $('view-screen').setAttribute('aria-pressed', String(mode === 'screener'));
    $('view-conflicts').setAttribute('aria-pressed', String(mode === 'arbiter'));
    $('view-decisions').setAttribute('aria-pressed', String(mode === 'decisions'));
    $('screen').hidden = mode !== 'screener';
    $('conflicts').hidden = mode !== 'arbiter';
    $('decisions').hidden = mode !== 'decisions';
    for (const view of extraViews) {
      $(view.button).setAttribute('aria-pressed', String(mode === view.id));
      $(view.section).hidden = mode !== view.id;
    }
    if (mode === 'screener') void loadNext();
    else if (mode === 'arbiter') void loadConflicts();
    else if (mode === 'decisions') void loadDecisions(false);
    else extraViews.find((view) => view.id === mode)?.show();
  }

  function renderProgress(data) {
    const parts = state.review.me.roles.includes('screener')
      ? data.mine.stages.map(
          (s) => `${STAGE_NAMES[s.stage]}: ${s.decided} decided, ${s.awaitingMe} awaiting you`,
        )
      : [];
    if (state.review.me.roles.includes('arbiter'))
      parts.push(`conflicts awaiting you: ${data.mine.conflictsAwaitingMe}`);
    if (data.team) {
      for (const s of data.team.stages) {
        parts.push(
          `team ${STAGE_NAMES[s.stage].toLowerCase()}: ${s.awaitingFirst} awaiting first, ${s.awaitingSecond} awaiting second, ${s.inConflict} in conflict, ${s.settled} settled`,
        );
      }
    }
    $('progress').textContent = parts.join(' · ');
  }

  async function refreshProgress() {
    try {
      renderProgress(await api(`/api/reviews/${encodeURIComponent(state.reviewId)}/progress`));
    } catch (error) {
      if (error.status !== 401) fail(error.message);
    }
  }

  /** The stage a decision on the shown record is for: the one being changed, else the open one. */
  function decisionStage(record) {
    return state.changing || record.view.stage;
  }

  /** The role the viewer decides in at that stage (null: they cannot decide there now). */
  function decisionRole(record) {
    if (!state.changing) return record.view.decideAs;
    return record.view.stages.find((s) => s.stage === state.changing)?.decideAs ?? null;
  }

  function renderRecord(record, focus) {
    state.record = record;
    const { citation, view } = record;
    const terms = state.review.keyTerms;
    const stage = decisionStage(record);
    const role = decisionRole(record);
    const at = view.stages.find((s) => s.stage === stage);
    $('record').hidden = false;
    $('empty').hidden = true;
    $('record-stage').textContent = stage
      ? `${STAGE_NAMES[stage]}${role === 'arbiter' ? (at?.reopened ? ' · reopened: settle it again' : ' · conflict to settle') : ''}`
      : `Screening over: ${view.outcome}`;
    $('record-changing').hidden = !state.changing;
    $('record-changing').textContent = state.changing
      ? at?.settled && role === 'screener'
        ? 'Changing your decision. This stage has settled: your new decision goes to the arbiter, who sees the change.'
        : 'Changing your decision: the new one replaces it.'
      : '';
    $('record-title').replaceChildren(highlighted(citation.title || '(no title)', terms));
    $('record-authors').textContent = authorsLine(citation.authors);
    const journal = citation.journal?.title || citation.bookTitle || 'Journal not given';
    const ids = [citation.pmid ? `PMID ${citation.pmid}` : null, citation.doi ? `doi:${citation.doi}` : null];
    $('record-source').textContent = [journal, citation.year ?? 'year not given', ...ids]
      .filter(Boolean)
      .join(' · ');

    const abstract = $('record-abstract');
    abstract.replaceChildren();
    if (!citation.abstract || citation.abstract.length === 0)
      abstract.append(el('p', 'No abstract.', 'mine'));
    for (const section of citation.abstract || []) {
      if (section.label) abstract.append(el('h3', section.label));
      const paragraph = el('p');
      paragraph.append(highlighted(section.text, terms));
      abstract.append(paragraph);
    }

    const mine = at?.mine;
    $('record-mine').hidden = !mine;
    $('record-mine').textContent = mine
      ? `Your current decision: ${mine.decision}${mine.reasonId ? ` (${reasonLabel(mine.reasonId)})` : ''}. ${
          at?.settled ? 'The stage has settled.' : 'You may change it until the stage is settled.'
        }`
      : '';

    const arbiter = Boolean(at?.decisions) && role === 'arbiter';
    $('arbiter-panel').hidden = !arbiter;
    $('arbiter-decisions').replaceChildren(
      ...(arbiter ? at.decisions.map((d) => el('li', decisionText(d))) : []),
    );
    const changes =
      arbiter && at.reopened && at.result ? at.history.filter((d) => d.at > at.result.settledAt) : [];
    $('arbiter-history-heading').hidden = changes.length === 0;
    $('arbiter-history').replaceChildren(...changes.map((d) => el('li', decisionText(d))));

    renderDuplicates(record.possibleDuplicates);

    $('decide').hidden = !role;
    document.querySelector('[data-decision="maybe"]').hidden = role === 'arbiter';
    $('skip').hidden = role === 'arbiter' || Boolean(state.changing);
    $('undo').disabled = state.decided.length === 0;
    $('note').value = '';
    closeReasons();
    screenFullText.closePdf();
    void screenFullText.load(record.view.citationId, stage === 'full-text');
    if (focus) $('record-title').focus();
  }

  /** Why the pair was queued: the fields that agreed, those that differed, the score. */
  function duplicateReasons(pair) {
    const list = el('ul', null, 'duplicate-reasons');
    const agreed = pair.agreed || [];
    const differed = pair.differed || [];
    if (agreed.length === 0 && differed.length === 0) list.append(el('li', pair.reason));
    if (agreed.length > 0) list.append(el('li', `Agreed: ${agreed.join(', ')}`));
    if (differed.length > 0) list.append(el('li', `Differed: ${differed.join(', ')}`));
    if (typeof pair.score === 'number') list.append(el('li', `Score: ${pair.score.toFixed(2)}`));
    return list;
  }

  function renderDuplicates(pairs) {
    const list = $('duplicate-list');
    list.replaceChildren();
    $('duplicates').hidden = !pairs || pairs.length === 0;
    for (const pair of pairs || []) {
      const box = el('div');
      box.append(el('p', 'The dedup thinks this record may be the same work as the one below.'));
      box.append(duplicateReasons(pair));
      if (pair.twin) {
        box.append(el('p', pair.twin.title, 'twin-title'));
        box.append(el('p', authorsLine(pair.twin.authors), 'authors'));
        const ids = [pair.twin.journal, pair.twin.year, pair.twin.pmid ? `PMID ${pair.twin.pmid}` : null];
        box.append(el('p', ids.filter(Boolean).join(' · '), 'source'));
      } else {
        box.append(el('p', 'The other record could not be loaded.'));
      }
      const confirm = el('button', 'Same work: confirm duplicate');
      confirm.type = 'button';
      confirm.addEventListener('click', () => void resolvePair(pair.pairId, 'confirm'));
      const split = el('button', 'Different works: keep both');
      split.type = 'button';
      split.addEventListener('click', () => void resolvePair(pair.pairId, 'split'));
      const actions = el('div', null, 'actions');
      actions.append(confirm, split);
      box.append(actions);
      list.append(box);
    }
  }

  function renderEmpty(message) {
    state.record = null;
    state.changing = null;
    screenFullText.closePdf();
    $('record').hidden = true;
    $('decide').hidden = true;
    $('empty').hidden = false;
    $('empty').textContent = message;
  }

  function openReasons() {
    state.excluding = true;
    $('reasons').hidden = false;
    $('reason-list').querySelector('button')?.focus();
    say('Choose the reason for exclusion: press its number, or Esc to cancel.');
  }

  function closeReasons() {
    state.excluding = false;
    $('reasons').hidden = true;
  }

  function renderReasons() {
    const filter = $('filter-reason');
    filter.replaceChildren(el('option', 'Any'));
    filter.firstChild.value = '';
    for (const reason of state.review.exclusionReasons) {
      const option = el('option', reason.label);
      option.value = reason.id;
      filter.append(option);
    }
    const list = $('reason-list');
    list.replaceChildren();
    state.review.exclusionReasons.forEach((reason, index) => {
      const item = el('li');
      const button = el('button');
      button.type = 'button';
      if (index < 9) {
        button.append(el('kbd', String(index + 1)), document.createTextNode(' '));
        button.setAttribute('aria-keyshortcuts', String(index + 1));
      }
      button.append(document.createTextNode(reason.label));
      button.addEventListener('click', () => void decide('exclude', reason.id));
      item.append(button);
      list.append(item);
    });
  }

  // ---------------------------------------------------------------------------------------------------
  // Actions

  async function loadNext() {
    fail('');
    try {
      const skip = state.skip.length ? `&skip=${encodeURIComponent(state.skip.join(','))}` : '';
      const data = await api(`/api/reviews/${encodeURIComponent(state.reviewId)}/next?as=screener${skip}`);
      if (data.record) renderRecord(data.record, true);
      else
        renderEmpty(
          state.skip.length
            ? 'Nothing else awaits you (some records were skipped).'
            : 'Nothing awaits you. Well done.',
        );
    } catch (error) {
      if (error.status !== 401) fail(error.message);
    }
    await refreshProgress();
  }

  async function loadConflicts() {
    fail('');
    try {
      const data = await api(`/api/reviews/${encodeURIComponent(state.reviewId)}/conflicts`);
      const list = $('conflict-list');
      list.replaceChildren();
      $('conflicts-empty').hidden = data.conflicts.length > 0;
      for (const conflict of data.conflicts) {
        const item = el('li');
        const button = el(
          'button',
          `${STAGE_NAMES[conflict.stage]}: ${conflict.title} (${conflict.year ?? 'n.d.'})`,
        );
        button.type = 'button';
        button.addEventListener('click', () => void openConflict(conflict.citationId));
        item.append(button);
        list.append(item);
      }
      list.querySelector('button')?.focus();
    } catch (error) {
      if (error.status !== 401) fail(error.message);
    }
    await refreshProgress();
  }

  async function openConflict(citationId) {
    fail('');
    try {
      const data = await api(
        `/api/reviews/${encodeURIComponent(state.reviewId)}/records/${encodeURIComponent(citationId)}`,
      );
      $('conflicts').hidden = true;
      $('screen').hidden = false;
      renderRecord(data.record, true);
    } catch (error) {
      if (error.status !== 401) fail(error.message);
    }
  }

  async function decide(decision, reasonId) {
    if (!state.record || state.busy) return;
    if (decision === 'exclude' && !reasonId) {
      openReasons();
      return;
    }
    state.busy = true;
    fail('');
    const record = state.record;
    const stage = decisionStage(record);
    const role = decisionRole(record);
    const note = $('note').value.trim();
    let result;
    try {
      result = await api(
        `/api/reviews/${encodeURIComponent(state.reviewId)}/records/${encodeURIComponent(record.view.citationId)}/decisions`,
        {
          method: 'POST',
          body: { stage, decision, reasonId: reasonId || null, note: note || null, eventId: newEventId() },
        },
      );
    } catch (error) {
      if (error.status !== 401) fail(`Not recorded: ${error.message}`);
      return;
    } finally {
      state.busy = false;
    }
    // Keys pressed from here until the next record shows must not act on this one again.
    state.record = null;
    state.changing = null;
    state.decided.push({ citationId: record.view.citationId, stage, role });
    const after = result.view.stages.find((s) => s.stage === stage);
    const effect = after?.reopened
      ? ' It goes to the arbiter, who sees the change.'
      : after?.settled
        ? ' The stage is now settled.'
        : '';
    say(
      `Recorded: ${decision}${reasonId ? ` (${reasonLabel(reasonId)})` : ''} on “${record.citation.title}”.${effect}`,
    );
    if (role === 'arbiter') setMode('arbiter');
    else if (state.mode === 'decisions') setMode('decisions');
    else await loadNext();
  }

  /** Opens a record to decide again at `stage` (undo, or a decision reopened from "My decisions"). */
  async function reopen(citationId, stage) {
    fail('');
    try {
      const data = await api(
        `/api/reviews/${encodeURIComponent(state.reviewId)}/records/${encodeURIComponent(citationId)}`,
      );
      state.changing = stage;
      $('conflicts').hidden = true;
      $('decisions').hidden = true;
      $('screen').hidden = false;
      renderRecord(data.record, true);
      if (!decisionRole(data.record)) {
        say('You cannot change this decision now: the record has moved on (an earlier stage was changed).');
      } else {
        say('Changing your decision: choose again.');
      }
    } catch (error) {
      if (error.status !== 401) fail(error.message);
    }
  }

  function undo() {
    const last = state.decided.pop();
    if (!last) {
      say('Nothing to undo in this session.');
      return;
    }
    if (last.role === 'arbiter') state.mode = 'arbiter';
    void reopen(last.citationId, last.stage);
  }

  // ---------------------------------------------------------------------------------------------------
  // Full text: links, the open-access copy, attached PDFs beside the decision buttons. One panel per view:
  // the screening view's elements have the plain ids (full-text-links, pdf-pane, ...), another view's the same
  // ids after a prefix (appraisal.js: "appraisal-").

  function link(url, text) {
    const a = el('a', text);
    a.href = url;
    a.target = '_blank';
    a.rel = 'noopener noreferrer';
    return a;
  }

  const isWebUrl = (url) => /^https?:\/\//i.test(url);

  /**
   * The full-text panel whose element ids start with `prefix`; `currentCitationId()` says which record the view
   * shows now (an answer arriving for another one is dropped).
   */
  function fullTextPanel(prefix, currentCitationId) {
    const part = (id) => $(`${prefix}${id}`);
    let request = 0;
    let uploadLimit = null;

    function openPdf(attachment) {
      part('pdf-pane').hidden = false;
      part('pdf-viewer').src = attachment.url;
      part('pdf-open').href = attachment.url;
      part('pdf-heading').textContent = attachment.fileName;
      part('workspace').classList.add('with-pdf');
      document.querySelector('main').classList.add('with-pdf');
    }

    function closePdf() {
      part('pdf-pane').hidden = true;
      part('pdf-viewer').src = 'about:blank';
      part('workspace').classList.remove('with-pdf');
      document.querySelector('main').classList.remove('with-pdf');
    }

    function describeOpenAccess(openAccess) {
      const box = part('open-access');
      box.replaceChildren();
      if (openAccess.status === 'found' && isWebUrl(openAccess.location.url)) {
        const where = [
          openAccess.location.hostType,
          openAccess.location.repository,
          openAccess.location.version,
        ]
          .filter(Boolean)
          .join(', ');
        box.append(document.createTextNode('Open-access copy: '));
        box.append(link(openAccess.location.url, where || 'open'));
        if (openAccess.location.pdfUrl && isWebUrl(openAccess.location.pdfUrl)) {
          box.append(document.createTextNode(' · '), link(openAccess.location.pdfUrl, 'PDF'));
        }
        box.append(document.createTextNode(' (Unpaywall)'));
      } else if (openAccess.status === 'none') {
        box.textContent = `No open-access copy known to Unpaywall (checked ${openAccess.checkedAt.slice(0, 10)}).`;
      } else if (openAccess.status === 'no-doi') {
        box.textContent = 'No DOI: nothing to look up in Unpaywall.';
      } else {
        box.textContent = openAccess.message || 'Unpaywall could not be asked.';
      }
    }

    /** Shows the record's links, open-access copy and attachments; false when they could not be looked up. */
    async function load(citationId, showPdf) {
      const mine = ++request;
      part('full-text-links').replaceChildren();
      part('attachment-list').replaceChildren();
      part('open-access').textContent = 'Looking for the full text…';
      part('attach-form').hidden = true;
      let data;
      try {
        data = await api(
          `/api/reviews/${encodeURIComponent(state.reviewId)}/records/${encodeURIComponent(citationId)}/full-text`,
        );
      } catch (error) {
        if (mine === request)
          part('open-access').textContent = `The full text could not be looked up: ${error.message}`;
        return false;
      }
      if (mine !== request || currentCitationId() !== citationId) return true;
      part('full-text-links').replaceChildren(
        ...data.links
          .filter((l) => isWebUrl(l.url))
          .map((l) => {
            const item = el('li');
            item.append(link(l.url, l.label));
            return item;
          }),
      );
      describeOpenAccess(data.openAccess);
      uploadLimit = data.uploads.maxBytes;
      part('attach-form').hidden = !data.uploads.enabled;
      part('attachment-list').replaceChildren(
        ...data.attachments.map((attachment) => {
          const item = el('li');
          const view = el('button', `View ${attachment.fileName}`);
          view.type = 'button';
          view.addEventListener('click', () => openPdf(attachment));
          item.append(
            view,
            document.createTextNode(
              ` · ${Math.max(1, Math.round(attachment.size / 1024))} KB · attached by ${attachment.uploadedBy}`,
            ),
          );
          return item;
        }),
      );
      if (showPdf && data.attachments.length > 0) openPdf(data.attachments[data.attachments.length - 1]);
      return true;
    }

    async function attach(event) {
      event.preventDefault();
      const citationId = currentCitationId();
      const file = part('attach-file').files?.[0];
      if (!citationId || !file) {
        fail('Choose the PDF to attach first.');
        return;
      }
      if (uploadLimit && file.size > uploadLimit) {
        fail(`${file.name} is larger than the ${Math.round(uploadLimit / 1048576)} MB limit.`);
        return;
      }
      fail('');
      const base = `/api/reviews/${encodeURIComponent(state.reviewId)}/records/${encodeURIComponent(citationId)}/attachments`;
      const fileName = file.name.slice(0, 200) || 'attachment.pdf';
      part('attach-button').disabled = true;
      try {
        const started = await api(base, { method: 'POST', body: { fileName, size: file.size } });
        const form = new FormData();
        for (const [name, value] of Object.entries(started.upload.fields)) form.append(name, value);
        form.append('file', file, fileName);
        const sent = await fetch(started.upload.url, { method: 'POST', body: form, credentials: 'omit' });
        if (!sent.ok) throw new Error(`the upload was refused (HTTP ${sent.status})`);
        await api(`${base}/${encodeURIComponent(started.attachmentId)}`, {
          method: 'POST',
          body: { fileName },
        });
        part('attach-file').value = '';
        say(`Attached ${fileName}.`);
        if (currentCitationId() === citationId) await load(citationId, true);
      } catch (error) {
        if (error.status !== 401) fail(`Not attached: ${error.message}`);
      } finally {
        part('attach-button').disabled = false;
      }
    }

    return { load, closePdf, attach };
  }

  const screenFullText = fullTextPanel('', () => state.record?.view.citationId ?? null);

  // ---------------------------------------------------------------------------------------------------
  // My decisions

  function standing(d) {
    const stage = d.stageView;
    if (!stage) return 'No longer counts (an earlier stage changed)';
    if (stage.reopened) return 'Settled, back with the arbiter';
    if (stage.settled)
      return `Settled: ${stage.result.decision}${stage.result.settledBy === 'direct' ? ' (included directly)' : ''}`;
    return 'Open: you may change it';
  }

  function renderDecisionRow(d) {
    const item = el('li');
    item.append(
      el(
        'p',
        `${STAGE_NAMES[d.stage]} · ${d.decision}${d.reasonId ? ` (${reasonLabel(d.reasonId)})` : ''} · ${d.at.slice(0, 16).replace('T', ' ')}`,
        'what',
      ),
      el('p', `${d.title} (${d.year ?? 'n.d.'})`, 'title'),
      el('p', standing(d), 'what'),
    );
    if (d.stageView?.decideAs) {
      const button = el('button', 'Reopen to change it');
      button.type = 'button';
      button.addEventListener('click', () => void reopen(d.citationId, d.stage));
      item.append(button);
    }
    return item;
  }

  async function loadDecisions(more) {
    fail('');
    const list = $('decision-list');
    if (!more) {
      list.replaceChildren();
      state.decisionsAfter = null;
    }
    const params = new URLSearchParams({ limit: '50' });
    for (const [name, id] of [
      ['stage', 'filter-stage'],
      ['decision', 'filter-decision'],
      ['reason', 'filter-reason'],
      ['q', 'filter-text'],
    ]) {
      const value = $(id).value.trim();
      if (value) params.set(name, value);
    }
    if (more && state.decisionsAfter) params.set('after', state.decisionsAfter);
    try {
      const data = await api(`/api/reviews/${encodeURIComponent(state.reviewId)}/decisions?${params}`);
      list.append(...data.decisions.map(renderDecisionRow));
      state.decisionsAfter = data.next;
      $('decisions-more').hidden = !data.next;
      $('decisions-empty').hidden = list.children.length > 0;
    } catch (error) {
      if (error.status !== 401) fail(error.message);
    }
  }

  async function resolvePair(pairId, action) {
    fail('');
    try {
      await api(
        `/api/reviews/${encodeURIComponent(state.reviewId)}/possible-duplicates/${encodeURIComponent(pairId)}`,
        {
          method: 'POST',
          body: { action },
        },
      );
      say(action === 'confirm' ? 'Confirmed as a duplicate.' : 'Kept as two different works.');
      if (state.mode === 'screener') await loadNext();
      else setMode('arbiter');
    } catch (error) {
      if (error.status !== 401) fail(error.message);
    }
  }

  function skip() {
    if (!state.record || decisionRole(state.record) === 'arbiter' || state.changing) return;
    state.skip.push(state.record.view.citationId);
    say('Skipped for now.');
    void loadNext();
  }

  function onKey(event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const extra = extraViews.find((view) => view.id === state.mode);
    if (extra) {
      extra.onKey(event);
      return;
    }
    const target = event.target;
    if (
      target instanceof HTMLTextAreaElement ||
      target instanceof HTMLInputElement ||
      target instanceof HTMLSelectElement
    )
      return;
    const key = event.key.toLowerCase();
    if (key === 'u' && !state.excluding && (!$('screen').hidden || !$('conflicts').hidden)) {
      event.preventDefault();
      undo();
      return;
    }
    if (!state.record || $('decide').hidden || $('screen').hidden) return;
    if (state.excluding) {
      if (key === 'escape') {
        closeReasons();
        say('Exclusion cancelled.');
        event.preventDefault();
        return;
      }
      const number = Number.parseInt(key, 10);
      const reason = state.review.exclusionReasons[number - 1];
      if (number >= 1 && number <= 9 && reason) {
        event.preventDefault();
        void decide('exclude', reason.id);
      }
      return;
    }
    const arbiter = decisionRole(state.record) === 'arbiter';
    if (key === 'i') void decide('include');
    else if (key === 'e') openReasons();
    else if (key === 'm' && !arbiter) void decide('maybe');
    else if (key === 's' && !arbiter && !state.changing) skip();
    else return;
    event.preventDefault();
  }

  // ---------------------------------------------------------------------------------------------------
  // Start

  function tokenFromLocation() {
    const hash = new URLSearchParams(window.location.hash.slice(1));
    const token = hash.get('token');
    if (token) {
      sessionStorage.setItem(TOKEN_KEY, token);
      history.replaceState(null, '', window.location.pathname + window.location.search);
    }
    return sessionStorage.getItem(TOKEN_KEY);
  }

  // ---------------------------------------------------------------------------------------------------
  // Sign-in with Cognito (authorization code + PKCE)

  /** {authorizeUrl, tokenUrl, clientId, redirectUri, scope}, or null when the server gives none. */
  function signInConfig() {
    const content = document.querySelector('meta[name="living-review-sign-in"]')?.getAttribute('content');
    if (!content) return null;
    try {
      return JSON.parse(content);
    } catch {
      return null;
    }
  }

  function base64Url(bytes) {
    let text = '';
    for (const byte of bytes) text += String.fromCharCode(byte);
    return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  async function beginSignIn() {
    const config = signInConfig();
    // 32 random bytes: a 43-character verifier, as RFC 7636 recommends.
    const verifier = base64Url(crypto.getRandomValues(new Uint8Array(32)));
    const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
    const nonce = base64Url(crypto.getRandomValues(new Uint8Array(16)));
    const review = new URLSearchParams(window.location.search).get('review');
    sessionStorage.setItem(PKCE_KEY, JSON.stringify({ verifier, state: nonce, review }));
    const url = new URL(config.authorizeUrl);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: config.clientId,
      redirect_uri: config.redirectUri,
      scope: config.scope,
      state: nonce,
      code_challenge: base64Url(new Uint8Array(digest)),
      code_challenge_method: 'S256',
    }).toString();
    window.location.assign(url.toString());
  }

  /**
   * Back from the authorize endpoint with ?code=...&state=...: checks the state, trades the code and the
   * verifier for tokens, and keeps the ID token. The code leaves the address bar at once.
   */
  async function finishSignIn(config) {
    const params = new URLSearchParams(window.location.search);
    const code = params.get('code');
    const returned = params.get('state');
    const error = params.get('error');
    const saved = JSON.parse(sessionStorage.getItem(PKCE_KEY) || 'null');
    sessionStorage.removeItem(PKCE_KEY);
    const review = saved?.review ? `?review=${encodeURIComponent(saved.review)}` : '';
    history.replaceState(null, '', window.location.pathname + review);
    if (error) throw new Error(`Sign-in failed: ${params.get('error_description') || error}`);
    if (!saved || !returned || saved.state !== returned) {
      throw new Error('This sign-in answer was not asked for by this page: sign in again.');
    }
    const response = await fetch(config.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        client_id: config.clientId,
        code,
        redirect_uri: config.redirectUri,
        code_verifier: saved.verifier,
      }).toString(),
      credentials: 'omit',
      cache: 'no-store',
    });
    const tokens = await response.json().catch(() => ({}));
    if (!response.ok || typeof tokens.id_token !== 'string') {
      throw new Error(`Sign-in failed: ${tokens.error || `HTTP ${response.status}`}`);
    }
    sessionStorage.setItem(TOKEN_KEY, tokens.id_token);
  }

  async function start() {
    $('signin').hidden = true;
    fail('');
    try {
      const me = await api('/api/me');
      const wanted = new URLSearchParams(window.location.search).get('review');
      const review = me.reviews.find((r) => r.id === wanted) || me.reviews[0];
      if (!review) {
        fail(`${me.reviewerId} is not listed on any review served here.`);
        return;
      }
      state.reviewId = review.id;
      state.review = await api(`/api/reviews/${encodeURIComponent(review.id)}`);
      $('review-title').textContent = state.review.title;
      document.title = `Screening · ${state.review.title}`;
      renderReasons();
      $('views').hidden = false;
      const roles = state.review.me.roles;
      $('view-conflicts').hidden = !roles.includes('arbiter');
      $('view-screen').hidden = !roles.includes('screener');
      const offered = extraViews.filter((view) => view.available(state.review));
      for (const view of extraViews) $(view.button).hidden = !offered.includes(view);
      const asked = offered.find(
        (view) => view.id === new URLSearchParams(window.location.search).get('view'),
      );
      setMode(
        asked
          ? asked.id
          : roles.includes('screener')
            ? 'screener'
            : roles.includes('arbiter') || offered.length === 0
              ? 'arbiter'
              : offered[0].id,
      );
    } catch (error) {
      if (error.status !== 401) fail(error.message);
    }
  }

  // What the other views' files use (appraisal.js): the same API client, DOM helpers and full-text panel.
  window.livingReviewPage = {
    $,
    el,
    api,
    say,
    fail,
    newEventId,
    authorsLine,
    fullTextPanel,
    /** The review shown: {reviewId, review} (review as GET /api/reviews/{id} returns it). */
    current: () => ({ reviewId: state.reviewId, review: state.review }),
    registerView: (view) => extraViews.push(view),
    setMode: (mode) => setMode(mode),
  };

  document.addEventListener('DOMContentLoaded', () => {
    $('signin-form').addEventListener('submit', (event) => {
      event.preventDefault();
      const token = $('token-input').value.trim();
      if (!token) return;
      sessionStorage.setItem(TOKEN_KEY, token);
      state.token = token;
      $('token-input').value = '';
      void start();
    });
    for (const button of document.querySelectorAll('[data-decision]')) {
      button.addEventListener('click', () => void decide(button.dataset.decision));
    }
    $('skip').addEventListener('click', skip);
    $('cancel-exclude').addEventListener('click', closeReasons);
    $('view-screen').addEventListener('click', () => setMode('screener'));
    $('view-conflicts').addEventListener('click', () => setMode('arbiter'));
    $('view-decisions').addEventListener('click', () => setMode('decisions'));
    for (const view of extraViews) $(view.button).addEventListener('click', () => setMode(view.id));
    $('undo').addEventListener('click', undo);
    $('attach-form').addEventListener('submit', (event) => void screenFullText.attach(event));
    $('decision-filters').addEventListener('submit', (event) => {
      event.preventDefault();
      void loadDecisions(false);
    });
    $('decisions-more').addEventListener('click', () => void loadDecisions(true));
    document.addEventListener('keydown', onKey);
    $('signin-cognito').addEventListener('click', () => {
      beginSignIn().catch((error) => fail(error.message));
    });
    void (async () => {
      const config = signInConfig();
      const query = new URLSearchParams(window.location.search);
      if (config && (query.has('code') || query.has('error'))) {
        try {
          await finishSignIn(config);
        } catch (error) {
          showSignIn(error.message);
          return;
        }
      }
      state.token = tokenFromLocation();
      if (state.token) void start();
      else showSignIn();
    })();
  });
})();
