// The appraisal view of the screening page (plain JavaScript, no build step), for reviewers listed as appraiser
// or arbiter on a review that declares an appraisal. It uses the page's API client, DOM helpers and full-text
// panel (screening.js: window.livingReviewPage) and the appraisal API (/api/reviews/{id}/appraisals/...).
// Text reaches the DOM through textContent only. Blinding is the server's: an appraiser's study arrives without
// the other appraiser's answers until the appraisal settles (shared/domain/appraisal/blinding.ts), so this page
// cannot show them; an arbiter gets both appraisers' answers to the questions in conflict.
//
// Keys (as the screening view's: single keys, nothing while typing a note): 1-9 answer the current question (or
// pick the study design), Down/Up (or j/k) the next or previous question, Left/Right move between the current
// question's answers and Enter records the one in focus, s skips the study, u goes back to the last study
// answered, Esc leaves the note.
(() => {
  const page = window.livingReviewPage;
  if (!page) return;
  const { $, el, api, say, fail, newEventId } = page;

  const view = {
    /** The role the viewer appraises in: "appraiser" or "arbiter". */
    as: 'appraiser',
    /** The study shown: {study, designs, view} as the API returns it (null: none). */
    payload: null,
    /** Index of the current question among those shown. */
    current: 0,
    skip: [],
    /** Studies answered in this session, last on top: what u goes back to. */
    answered: [],
    busy: false,
  };

  const base = () => `/api/reviews/${encodeURIComponent(page.current().reviewId)}/appraisals`;
  const studyPath = (studyId) => `${base()}/${encodeURIComponent(studyId)}`;
  const roles = () => page.current().review.me.roles;
  const fullText = page.fullTextPanel('appraisal-', () => view.payload?.study.studyId ?? null);

  function answerLabel(question, answerId) {
    return question.answers.find((a) => a.id === answerId)?.label ?? answerId;
  }

  /** Whether the viewer answers `question` now (appraiser: every question; arbiter: those in conflict). */
  function answerable(v, question) {
    if (v.answerAs === 'appraiser') return true;
    return v.answerAs === 'arbiter' && question.inConflict === true;
  }

  /** Whether `question` still waits for the viewer's answer. */
  function open(v, question) {
    if (v.answerAs === 'appraiser') return !question.mine;
    return v.answerAs === 'arbiter' && question.inConflict === true && !question.arbiter;
  }

  /** The questions listed: the arbiter's are those in conflict (the agreed ones are listed apart). */
  function shownQuestions(v) {
    return v.answerAs === 'arbiter' ? v.questions.filter((q) => q.inConflict) : v.questions;
  }

  function stageText(v) {
    if (v.settled) {
      const level = v.level ? ` · level of evidence ${v.level}` : '';
      return `Settled · overall judgement: ${v.judgement ?? 'none'}${level}`;
    }
    if (v.answerAs === 'arbiter') return `Conflict to settle · ${v.remaining} question(s) left`;
    if (v.answerAs === 'appraiser') {
      return v.design
        ? `Appraising · ${v.remaining} of ${v.questions.length} question(s) left`
        : 'Appraising · set the design';
    }
    return 'Your part is done: the appraisal settles when the appraisers are both done (and an arbiter if needed)';
  }

  // ---------------------------------------------------------------------------------------------------
  // Rendering

  function render(payload, focusTitle) {
    view.payload = payload;
    const { study } = payload;
    $('appraisal-empty').hidden = true;
    $('appraisal-study').hidden = false;
    $('appraisal-title').textContent = study.title || '(no title)';
    $('appraisal-source').textContent = [
      study.year ?? 'year not given',
      study.pmid ? `PMID ${study.pmid}` : null,
      study.doi ? `doi:${study.doi}` : null,
    ]
      .filter(Boolean)
      .join(' · ');
    $('appraisal-retracted').hidden = !study.retracted;
    const abstract = $('appraisal-abstract');
    abstract.replaceChildren();
    if (!study.abstract || study.abstract.length === 0) abstract.append(el('p', 'No abstract.', 'mine'));
    for (const section of study.abstract || []) {
      if (section.label) abstract.append(el('h3', section.label));
      abstract.append(el('p', section.text));
    }
    fullText.closePdf();
    void fullText.load(study.studyId, true).then((found) => {
      // A study without a stored record (e.g. an IPD pack) still has its PubMed and DOI links.
      if (found || view.payload?.study.studyId !== study.studyId) return;
      const links = [
        ['PubMed', study.links.pubmed],
        ['DOI', study.links.doi],
      ].filter(([, url]) => url && /^https:\/\//.test(url));
      $('appraisal-full-text-links').replaceChildren(
        ...links.map(([label, url]) => {
          const item = el('li');
          const a = el('a', label);
          a.href = url;
          a.target = '_blank';
          a.rel = 'noopener noreferrer';
          item.append(a);
          return item;
        }),
      );
    });
    $('appraisal-back').disabled = view.answered.length === 0;
    renderAppraisal();
    if (focusTitle) $('appraisal-title').focus();
  }

  function renderAppraisal() {
    const v = view.payload.view;
    $('appraisal-stage').textContent = stageText(v);
    if (!v.design) {
      renderDesign();
      return;
    }
    $('appraisal-design').hidden = true;
    $('appraisal-checklist').hidden = false;
    const design = view.payload.designs.find((d) => d.id === v.design)?.label ?? v.design;
    $('appraisal-tool').textContent = `${v.toolName} (${design})`;
    const shown = shownQuestions(v);
    if (view.current >= shown.length) view.current = 0;
    $('appraisal-summary').textContent = v.settled
      ? 'Settled: the final answers are listed under each question.'
      : v.answerAs === 'arbiter'
        ? `The appraisers differ on ${shown.length} question(s): settle each one.`
        : v.answerAs === 'appraiser'
          ? `${v.questions.length - v.remaining} of ${v.questions.length} answered. Your answers are yours alone until the appraisal settles.`
          : 'Your answers, as you gave them.';
    $('appraisal-questions').replaceChildren(
      ...shown.map((question, index) => renderQuestion(v, question, index)),
    );
    const agreed = v.answerAs === 'arbiter' ? v.questions.filter((q) => q.inConflict === false) : [];
    $('appraisal-agreed').hidden = agreed.length === 0;
    $('appraisal-agreed-summary').textContent = `Agreed by both appraisers (${agreed.length})`;
    $('appraisal-agreed-list').replaceChildren(
      ...agreed.map((q) => {
        const answer = q.appraisers?.[0]?.answer;
        return el('li', `${v.questions.indexOf(q) + 1}. ${q.text}: ${answer ? answerLabel(q, answer) : ''}`);
      }),
    );
    const answering = v.answerAs !== null && !v.settled;
    $('appraisal-note').disabled = !answering;
    $('appraisal-skip').hidden = v.answerAs !== 'appraiser';
  }

  function renderQuestion(v, question, index) {
    const item = el('li', null, 'question');
    item.id = `appraisal-question-${index}`;
    item.dataset.question = question.id;
    item.tabIndex = -1;
    if (index === view.current) {
      item.classList.add('current');
      item.setAttribute('aria-current', 'step');
    }
    const fieldset = el('fieldset');
    const legend = el('legend');
    legend.append(el('span', `${v.questions.indexOf(question) + 1}. `, 'number'), question.text);
    fieldset.append(legend);
    if (question.appraisers) {
      fieldset.append(
        el(
          'p',
          `Appraisers: ${question.appraisers
            .map(
              (a) => `${a.reviewerId}: ${answerLabel(question, a.answer)}${a.note ? ` (“${a.note}”)` : ''}`,
            )
            .join(' · ')}`,
          'others',
        ),
      );
    }
    const chosen = v.answerAs === 'arbiter' ? question.arbiter?.answer : question.mine?.answer;
    if (answerable(v, question)) {
      const answers = el('div', null, 'answers');
      question.answers.forEach((answer, i) => {
        const button = el('button');
        button.type = 'button';
        button.dataset.answer = answer.id;
        button.setAttribute('aria-pressed', String(chosen === answer.id));
        if (i < 9) {
          button.append(el('kbd', String(i + 1)), ' ');
          button.setAttribute('aria-keyshortcuts', String(i + 1));
        }
        button.append(answer.label);
        button.addEventListener('click', () => {
          view.current = index;
          void record(question, answer.id);
        });
        answers.append(button);
      });
      fieldset.append(answers);
    } else if (question.mine) {
      fieldset.append(el('p', `Your answer: ${answerLabel(question, question.mine.answer)}`, 'mine'));
    }
    if (question.arbiter && !answerable(v, question)) {
      fieldset.append(
        el('p', `Arbiter ${question.arbiter.reviewerId}: ${answerLabel(question, question.arbiter.answer)}`),
      );
    }
    if (question.final) {
      fieldset.append(el('p', `Final: ${answerLabel(question, question.final)}`, 'final'));
    }
    item.append(fieldset);
    return item;
  }

  function renderDesign() {
    const { designs, view: v } = view.payload;
    $('appraisal-checklist').hidden = true;
    $('appraisal-design').hidden = !v.answerAs;
    $('appraisal-design-list').replaceChildren(
      ...designs.map((design, index) => {
        const item = el('li');
        const button = el('button');
        button.type = 'button';
        if (index < 9) {
          button.append(el('kbd', String(index + 1)), ' ');
          button.setAttribute('aria-keyshortcuts', String(index + 1));
        }
        button.append(design.label);
        button.addEventListener('click', () => void chooseDesign(design));
        item.append(button);
        return item;
      }),
    );
  }

  function renderEmpty(message) {
    view.payload = null;
    fullText.closePdf();
    $('appraisal-study').hidden = true;
    $('appraisal-design').hidden = true;
    $('appraisal-checklist').hidden = true;
    $('appraisal-empty').hidden = false;
    $('appraisal-empty').textContent = message;
  }

  function currentItem() {
    return $(`appraisal-question-${view.current}`);
  }

  function focusCurrent() {
    currentItem()?.focus();
  }

  function markCurrent() {
    for (const item of $('appraisal-questions').children) {
      const isCurrent = item.id === `appraisal-question-${view.current}`;
      item.classList.toggle('current', isCurrent);
      if (isCurrent) item.setAttribute('aria-current', 'step');
      else item.removeAttribute('aria-current');
    }
  }

  function moveTo(index) {
    const shown = view.payload ? shownQuestions(view.payload.view) : [];
    if (shown.length === 0) return;
    view.current = Math.max(0, Math.min(shown.length - 1, index));
    markCurrent();
    focusCurrent();
  }

  function renderProgress(data) {
    const parts = [];
    if (roles().includes('appraiser')) {
      parts.push(
        `appraisal: ${data.awaitingMe.appraiser} stud${data.awaitingMe.appraiser === 1 ? 'y' : 'ies'} awaiting you, ${data.finished} finished`,
      );
    }
    if (roles().includes('arbiter'))
      parts.push(`appraisal conflicts awaiting you: ${data.awaitingMe.arbiter}`);
    const team = data.team;
    // Two decimals of the value without its last-bit noise (0.625 computed as 0.62499999... shows as 0.63).
    const kappa = (k) => (k.kappa === null ? 'undefined' : Number(k.kappa.toPrecision(12)).toFixed(2));
    if (team) {
      parts.push(
        `team: ${team.studies} studies, ${team.finishedByBoth} appraised by both, ${team.inConflict} in conflict, ${team.settled} settled; kappa ${kappa(team.overall)} over ${team.overall.n} answers`,
      );
    }
    $('progress').textContent = parts.join(' · ');
    $('appraisal-team').hidden = !team;
    $('appraisal-kappa').replaceChildren(
      ...(team
        ? [...team.questions, { toolId: null, questionId: 'every question', ...team.overall }].map((q) => {
            const row = el('tr');
            row.dataset.question = `${q.toolId ?? ''}/${q.questionId}`;
            row.append(
              el('th', q.toolId ? `${q.toolId}: ${q.questionId}` : q.questionId),
              el('td', String(q.n)),
              el('td', q.disagreements === undefined ? '' : String(q.disagreements)),
              el('td', kappa(q)),
            );
            row.firstChild.setAttribute('scope', 'row');
            return row;
          })
        : []),
    );
  }

  async function refreshProgress() {
    try {
      renderProgress(await api(`${base()}/progress`));
    } catch (error) {
      if (error.status !== 401) fail(error.message);
    }
  }

  // ---------------------------------------------------------------------------------------------------
  // Actions

  async function loadNext() {
    fail('');
    try {
      const skip = view.skip.length ? `&skip=${encodeURIComponent(view.skip.join(','))}` : '';
      const data = await api(`${base()}/next?as=${view.as}${skip}`);
      view.current = 0;
      if (data.appraisal) {
        render(data.appraisal, true);
        const first = shownQuestions(data.appraisal.view).findIndex((q) => open(data.appraisal.view, q));
        if (first > 0) moveTo(first);
        $('appraisal-title').focus();
      } else if (view.as === 'arbiter') {
        renderEmpty('No appraisal conflicts await you.');
      } else {
        renderEmpty(
          view.skip.length
            ? 'Nothing else awaits your appraisal (some studies were skipped).'
            : 'No study awaits your appraisal. Well done.',
        );
      }
    } catch (error) {
      if (error.status !== 401) fail(error.message);
    }
    await refreshProgress();
  }

  async function chooseDesign(design) {
    const payload = view.payload;
    if (!payload || view.busy || !payload.view.answerAs) return;
    view.busy = true;
    fail('');
    try {
      const result = await api(`${studyPath(payload.study.studyId)}/design`, {
        method: 'POST',
        body: { design: design.id, eventId: newEventId() },
      });
      if (view.payload !== payload) return;
      payload.view = result.view;
      view.current = 0;
      say(`Design: ${design.label}. The checklist is ${result.view.toolName}.`);
      renderAppraisal();
      focusCurrent();
    } catch (error) {
      if (error.status !== 401) fail(`Not recorded: ${error.message}`);
    } finally {
      view.busy = false;
    }
  }

  async function record(question, answerId) {
    const payload = view.payload;
    if (!payload || view.busy || !answerable(payload.view, question)) return;
    view.busy = true;
    fail('');
    const note = $('appraisal-note').value.trim();
    let result;
    try {
      result = await api(`${studyPath(payload.study.studyId)}/answers`, {
        method: 'POST',
        body: { questionId: question.id, answer: answerId, note: note || null, eventId: newEventId() },
      });
    } catch (error) {
      if (error.status !== 401) fail(`Not recorded: ${error.message}`);
      return;
    } finally {
      view.busy = false;
    }
    if (view.payload !== payload) return;
    $('appraisal-note').value = '';
    const studyId = payload.study.studyId;
    if (view.answered[view.answered.length - 1] !== studyId) view.answered.push(studyId);
    payload.view = result.view;
    const number = result.view.questions.findIndex((q) => q.id === question.id) + 1;
    const recorded = `Recorded: ${answerLabel(question, answerId)} to question ${number}.`;
    if (result.view.settled) {
      say(
        `${recorded} The appraisal of “${payload.study.title}” is settled: overall judgement ${result.view.judgement ?? 'none'}.`,
      );
      await loadNext();
      return;
    }
    if (result.view.remaining === 0) {
      say(`${recorded} You have answered every question of “${payload.study.title}”.`);
      await loadNext();
      return;
    }
    say(recorded);
    const shown = shownQuestions(result.view);
    const after = shown.findIndex((q, i) => i > view.current && open(result.view, q));
    const anyOpen = shown.findIndex((q) => open(result.view, q));
    view.current = after >= 0 ? after : anyOpen >= 0 ? anyOpen : view.current;
    renderAppraisal();
    $('appraisal-back').disabled = false;
    focusCurrent();
    void refreshProgress();
  }

  function skip() {
    if (view.payload?.view.answerAs !== 'appraiser') return;
    view.skip.push(view.payload.study.studyId);
    say('Skipped for now.');
    void loadNext();
  }

  async function back() {
    const studyId = view.answered.pop();
    if (!studyId) {
      say('Nothing to go back to in this session.');
      return;
    }
    fail('');
    try {
      const data = await api(studyPath(studyId));
      view.current = 0;
      render(data.appraisal, true);
      say(
        data.appraisal.view.answerAs
          ? 'Back to the last study you answered: change any answer.'
          : 'Back to the last study you answered. Its answers cannot be changed now.',
      );
    } catch (error) {
      if (error.status !== 401) fail(error.message);
    }
  }

  /** Left/Right: the previous or next answer of the current question (from the row: the chosen or the first). */
  function moveAmongAnswers(step) {
    const buttons = [...(currentItem()?.querySelectorAll('button[data-answer]') ?? [])];
    if (buttons.length === 0) return;
    const at = buttons.indexOf(document.activeElement);
    const pressed = buttons.findIndex((b) => b.getAttribute('aria-pressed') === 'true');
    const next = at >= 0 ? (at + step + buttons.length) % buttons.length : Math.max(0, pressed);
    buttons[next].focus();
  }

  function onKey(event) {
    const target = event.target;
    if (
      target instanceof HTMLTextAreaElement ||
      target instanceof HTMLInputElement ||
      target instanceof HTMLSelectElement
    ) {
      if (event.key === 'Escape' && target.id === 'appraisal-note') {
        event.preventDefault();
        focusCurrent();
      }
      return;
    }
    if ($('appraise').hidden) return;
    const key = event.key;
    if (key === 'u') {
      event.preventDefault();
      void back();
      return;
    }
    if (!view.payload) return;
    const number = /^[1-9]$/.test(key) ? Number(key) : null;
    if (!$('appraisal-design').hidden) {
      const design = number ? view.payload.designs[number - 1] : undefined;
      if (design) {
        event.preventDefault();
        void chooseDesign(design);
      }
      return;
    }
    if ($('appraisal-checklist').hidden) return;
    const v = view.payload.view;
    const question = shownQuestions(v)[view.current];
    if (number && question && answerable(v, question)) {
      const answer = question.answers[number - 1];
      if (answer) {
        event.preventDefault();
        void record(question, answer.id);
      }
      return;
    }
    if (key === 'ArrowDown' || key === 'j') moveTo(view.current + 1);
    else if (key === 'ArrowUp' || key === 'k') moveTo(view.current - 1);
    else if (key === 'ArrowRight') moveAmongAnswers(1);
    else if (key === 'ArrowLeft') moveAmongAnswers(-1);
    else if (key === 'Enter' && document.activeElement === currentItem()) moveAmongAnswers(0);
    else if (key === 's') skip();
    else return;
    event.preventDefault();
  }

  function setAs(as) {
    view.as = as;
    view.skip = [];
    $('appraise-as-appraiser').setAttribute('aria-pressed', String(as === 'appraiser'));
    $('appraise-as-arbiter').setAttribute('aria-pressed', String(as === 'arbiter'));
  }

  page.registerView({
    id: 'appraise',
    button: 'view-appraise',
    section: 'appraise',
    available: (review) =>
      review.appraises === true &&
      (review.me.roles.includes('appraiser') || review.me.roles.includes('arbiter')),
    show: () => {
      const mine = roles();
      $('appraise-as').hidden = !(mine.includes('appraiser') && mine.includes('arbiter'));
      setAs(mine.includes(view.as) ? view.as : mine.includes('appraiser') ? 'appraiser' : 'arbiter');
      void loadNext();
    },
    onKey,
  });

  $('appraise-as-appraiser').addEventListener('click', () => {
    setAs('appraiser');
    void loadNext();
  });
  $('appraise-as-arbiter').addEventListener('click', () => {
    setAs('arbiter');
    void loadNext();
  });
  // Focus moved into a question (Tab, a click): that question becomes the current one.
  $('appraisal-questions').addEventListener('focusin', (event) => {
    const item = event.target.closest('.question');
    const index = item ? Number(item.id.replace('appraisal-question-', '')) : -1;
    if (index < 0 || index === view.current) return;
    view.current = index;
    markCurrent();
  });
  $('appraisal-skip').addEventListener('click', skip);
  $('appraisal-back').addEventListener('click', () => void back());
  $('appraisal-attach-form').addEventListener('submit', (event) => void fullText.attach(event));
})();
