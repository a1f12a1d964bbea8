// Space settings editor: overwrite the edited keys of the space's current
// settings (every other key is kept as is) and sign a Snapshot Space message.
import { currentAccount, spaceTypedData, say, signedForm } from './wallet.js';

const form = document.getElementById('settings-form');
if (form) init(form);

function init(form) {
  const $ = (id) => document.getElementById(id);
  const status = $('s-status');
  const submit = $('s-submit');

  const fail = (id, text) => { const e = new Error(text); e.field = $(id); throw e; };
  const lines = (id) => $(id).value.split('\n').map((l) => l.trim()).filter(Boolean);
  const num = (id, what) => {
    const raw = $(id).value.trim();
    const v = raw === '' ? 0 : Number(raw);
    if (!Number.isFinite(v) || v < 0) fail(id, `${what} must be a number of 0 or more.`);
    return v;
  };
  const whole = (id, what) => {
    const v = num(id, what);
    if (!Number.isInteger(v)) fail(id, `${what} must be a whole number of seconds.`);
    return v;
  };

  function strategies() {
    let list;
    try {
      list = JSON.parse($('s-strategies').value);
    } catch (err) {
      fail('s-strategies', `Strategies is not valid JSON: ${err.message}`);
    }
    if (!Array.isArray(list)) fail('s-strategies', `Strategies must be a JSON array like [{"name": "ticket", "params": {}}], not ${list === null ? 'null' : typeof list}.`);
    list.forEach((s, i) => {
      if (!s || typeof s !== 'object' || Array.isArray(s)) fail('s-strategies', `Strategy ${i + 1} must be an object.`);
      if (typeof s.name !== 'string' || !s.name) fail('s-strategies', `Strategy ${i + 1} has no "name".`);
    });
    return list;
  }

  function collect() {
    const settings = JSON.parse($('space-settings')?.textContent || '{}');
    settings.name = $('s-name').value.trim();
    settings.about = $('s-about').value;
    settings.symbol = $('s-symbol').value.trim();
    settings.network = $('s-network').value.trim();
    settings.admins = lines('s-admins');
    settings.moderators = lines('s-moderators');
    settings.members = lines('s-members');
    settings.voting = {
      ...(settings.voting || {}),
      type: $('s-voting-type').value,
      delay: whole('s-voting-delay', 'Voting delay'),
      period: whole('s-voting-period', 'Voting period'),
      quorum: num('s-voting-quorum', 'Quorum'),
    };
    settings.strategies = strategies();
    return settings;
  }

  signedForm(form, submit, status, {
    collect,
    typedData: (settings) => spaceTypedData({ space: form.dataset.space, settings, from: currentAccount }),
    accepted: () => {
      say(status, 'Settings saved.', 'ok');
      setTimeout(() => location.reload(), 1000);
    },
  });
}
