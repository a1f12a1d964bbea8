// Create-proposal form: edit choices, preview the body through the server's
// Markdown renderer, sign a Snapshot Proposal and go to the new proposal.
import { currentAccount, proposalTypedData, say, signedForm, APP } from './wallet.js';

const form = document.getElementById('propose-form');
if (form) init(form);

function init(form) {
  const $ = (id) => document.getElementById(id);
  const status = $('p-status');
  const submit = $('p-submit');
  const list = $('p-choices');
  const preview = $('p-preview');

  // Choice inputs without a <label> of their own get a numbered accessible name.
  function renumber() {
    list.querySelectorAll('li').forEach((li, i) => {
      const input = li.querySelector('input');
      if (input && !input.labels?.length) input.setAttribute('aria-label', `Choice ${i + 1}`);
      li.querySelector('[data-remove-choice]')?.setAttribute('aria-label', `Remove choice ${i + 1}`);
    });
  }

  function addChoice() {
    const template = list.querySelector('input[name=choice]');
    const input = template ? template.cloneNode(false) : document.createElement('input');
    input.removeAttribute('id');
    input.removeAttribute('aria-invalid');
    input.name = 'choice';
    input.type = 'text';
    input.value = '';
    const remove = document.createElement('button');
    remove.type = 'button';
    remove.className = 'secondary';
    remove.setAttribute('data-remove-choice', '');
    remove.textContent = 'Remove';
    const li = document.createElement('li');
    li.append(input, ' ', remove);
    list.append(li);
    renumber();
    input.focus();
  }

  $('p-add-choice')?.addEventListener('click', addChoice);
  list?.addEventListener('click', (e) => {
    const btn = e.target.closest('[data-remove-choice]');
    if (!btn) return;
    const li = btn.closest('li');
    const prev = li.previousElementSibling || li.nextElementSibling;
    li.remove();
    renumber();
    (prev?.querySelector('input') || $('p-add-choice'))?.focus();
  });
  if (list) renumber();

  $('p-preview-button')?.addEventListener('click', async () => {
    preview.textContent = 'Rendering preview…';
    try {
      const res = await fetch('/app/preview', {
        method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: $('p-body').value,
      });
      if (!res.ok) throw new Error(`the server answered HTTP ${res.status}`);
      // Sanitised HTML from our own renderer: the contract's one innerHTML exception.
      preview.innerHTML = await res.text();
    } catch (err) {
      preview.textContent = `Could not render the preview: ${err.message}.`;
    }
  });

  // Returns [message fields] or throws with the field to focus.
  function collect() {
    const fail = (el, text) => { const e = new Error(text); e.field = el; throw e; };
    const title = $('p-title').value.trim();
    if (!title) fail($('p-title'), 'Give the proposal a title.');
    const inputs = [...list.querySelectorAll('input[name=choice]')];
    const choices = inputs.map((i) => i.value.trim()).filter(Boolean);
    if (!choices.length) fail(inputs[0] || $('p-add-choice'), 'Add at least one choice.');
    const time = (id, what) => {
      const el = $(id);
      // datetime-local has no offset, so Date reads it as local time.
      const ms = el.value ? new Date(el.value).getTime() : NaN;
      if (!Number.isFinite(ms)) fail(el, `Set the ${what} date and time.`);
      return Math.round(ms / 1000);
    };
    const start = time('p-start', 'start');
    const end = time('p-end', 'end');
    if (end <= start) fail($('p-end'), 'The end must be after the start.');
    const snapEl = $('p-snapshot');
    const snapshot = Number(snapEl.value.trim() || form.dataset.defaultSnapshot);
    if (!Number.isInteger(snapshot) || snapshot < 0) fail(snapEl, 'The snapshot must be a block number (a whole number).');
    return {
      space: form.dataset.space, type: $('p-type').value, title, body: $('p-body').value,
      discussion: $('p-discussion')?.value.trim() || '', choices, labels: [], start, end, snapshot,
      plugins: '{}', privacy: '', app: APP, from: currentAccount,
    };
  }

  signedForm(form, submit, status, {
    collect,
    typedData: proposalTypedData,
    accepted: (reply, fields) => {
      say(status, 'Proposal published.', 'ok');
      document.body.dataset.lastProposal = reply.id;
      location.assign(`/s/${encodeURIComponent(fields.space)}/proposal/${encodeURIComponent(reply.id)}`);
    },
  });
}
