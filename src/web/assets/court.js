// The court's forms: each `form[data-court]` signs one court message of its
// kind (docs/court-messages.md) from its named fields; sections marked
// `data-task-for` show only to the addresses they list ("*": anyone).
import { currentAccount, courtTypedData, onAccount, say, signedForm } from './wallet.js';

for (const form of document.querySelectorAll('form[data-court]')) init(form);

onAccount((account) => {
  const me = account?.toLowerCase();
  for (const el of document.querySelectorAll('[data-task-for]')) {
    const who = el.dataset.taskFor.split(' ');
    el.hidden = !me || !(who.includes('*') || who.includes(me));
  }
});

function collect(form) {
  const fields = {};
  for (const el of form.querySelectorAll('[name]')) {
    if ((el.type === 'radio' || el.type === 'checkbox') && !el.checked) continue;
    let value = el.value;
    if (el.dataset.list === 'lines') value = value.split('\n').map((l) => l.trim()).filter(Boolean);
    else if (el.dataset.uint !== undefined) {
      const n = Number(value.trim());
      if (!Number.isInteger(n) || n < 0) {
        const err = new Error(`${el.labels?.[0]?.textContent || el.name} must be a whole number.`);
        err.field = el;
        throw err;
      }
      value = n;
    } else value = value.trim();
    if (el.required && (value === '' || (Array.isArray(value) && !value.length))) {
      const err = new Error(`${el.labels?.[0]?.textContent || el.name} is required.`);
      err.field = el;
      throw err;
    }
    fields[el.name] = value;
  }
  return fields;
}

// The pool the jury is drawn from, as the server computes it now: the
// arbitrator signs its hash.
async function poolHash(space, kase, block) {
  const res = await fetch(`/api/court/${encodeURIComponent(space)}/cases/${kase}/pool?block=${block}`,
    { headers: { Accept: 'application/json' } });
  const reply = await res.json();
  if (!res.ok) throw new Error(reply.error_description || 'The pool could not be read.');
  return reply.hash;
}

function init(form) {
  const kind = form.dataset.court;
  const status = form.querySelector('[role=status]');
  const submit = form.querySelector('button[type=submit]');
  signedForm(form, submit, status, {
    collect: () => collect(form),
    typedData: async (fields) => {
      const message = { space: form.dataset.space, from: currentAccount, ...fields };
      if (kind === 'open-jury') message.pool = await poolHash(form.dataset.space, fields.case, fields.block);
      return courtTypedData(kind, message);
    },
    accepted: () => {
      say(status, 'Signed and recorded.', 'ok');
      setTimeout(() => location.reload(), 800);
    },
  });
}
