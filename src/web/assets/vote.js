// The vote form on a proposal page: read the choice for the proposal's voting
// type, show voting power, sign a Snapshot Vote and show the relayer receipt.
import {
  initWallet, onAccount, currentAccount, getVp, formatPower, voteTypedData,
  signAndPost, say, describeError, APP,
} from './wallet.js';

const form = document.getElementById('vote-form');
if (form) init(form);

function init(form) {
  const d = form.dataset;
  const kind = d.type;
  const status = document.getElementById('vote-status');
  const submit = document.getElementById('vote-submit');
  const vpEl = document.getElementById('vote-vp');
  const receipt = document.getElementById('vote-receipt');
  const rank = form.querySelector('ol.rank');
  const shares = [...form.querySelectorAll('input[name=share]')];
  let busy = false;
  let closed = false;
  let pollTimer = 0;

  function readChoice() {
    // Copeland ballots are rankings too.
    if (kind === 'ranked-choice' || kind === 'copeland') {
      const order = [...rank.querySelectorAll('li[data-choice]')].map((li) => Number(li.dataset.choice));
      return order.length ? order : null;
    }
    if (kind === 'quadratic' || kind === 'weighted') {
      const out = {};
      let sum = 0;
      for (const input of shares) {
        const v = input.value.trim() === '' ? 0 : Number(input.value);
        const ok = Number.isInteger(v) && v >= 0;
        input.toggleAttribute('aria-invalid', !ok);
        if (!ok) return null;
        // Snapshot keys are 1-based choice indexes as strings, zeros left out.
        if (v > 0) out[input.dataset.choice] = v;
        sum += v;
      }
      return sum > 0 ? out : null;
    }
    const checked = [...form.querySelectorAll('input[name=choice]:checked')].map((i) => Number(i.value));
    if (kind === 'approval') return checked.length ? checked : null;
    return checked.length ? checked[0] : null;
  }

  function refresh() {
    submit.disabled = busy || closed || !currentAccount || readChoice() === null;
  }

  function updatePercents() {
    const vals = shares.map((i) => Math.max(0, Number(i.value) || 0));
    const sum = vals.reduce((a, b) => a + b, 0);
    shares.forEach((input, n) => {
      const out = form.querySelector(`output[data-percent-for="${input.dataset.choice}"]`);
      if (out) out.value = sum > 0 ? `${((vals[n] / sum) * 100).toFixed(1)}%` : '0%';
    });
  }

  function move(li, dir, focusEl) {
    const items = [...rank.querySelectorAll('li[data-choice]')];
    const from = items.indexOf(li);
    const to = from + dir;
    const name = li.querySelector('.rank-name')?.textContent.trim() || `Choice ${li.dataset.choice}`;
    if (to < 0 || to >= items.length) {
      say(status, `${name} is already at position ${from + 1} of ${items.length}.`);
      return;
    }
    if (dir < 0) items[to].before(li); else items[to].after(li);
    // Moving a node blurs it in some browsers; keep the keyboard user in place.
    focusEl?.focus();
    say(status, `${name} moved to position ${to + 1} of ${items.length}`);
    refresh();
  }

  if (rank) {
    rank.addEventListener('click', (e) => {
      const btn = e.target.closest('button[data-move]');
      if (btn) move(btn.closest('li'), btn.dataset.move === 'up' ? -1 : 1, btn);
    });
    rank.addEventListener('keydown', (e) => {
      if (!e.altKey || (e.key !== 'ArrowUp' && e.key !== 'ArrowDown')) return;
      const li = e.target.closest('li[data-choice]');
      if (!li) return;
      e.preventDefault();
      move(li, e.key === 'ArrowUp' ? -1 : 1, e.target);
    });
  }

  form.addEventListener('input', () => {
    if (shares.length) updatePercents();
    refresh();
  });
  form.addEventListener('change', refresh);
  if (shares.length) updatePercents();

  let vpFor = null;
  onAccount(async (account) => {
    refresh();
    vpFor = account;
    if (!account || !vpEl) return;
    vpEl.textContent = '…';
    try {
      const strategies = JSON.parse(document.getElementById('proposal-strategies')?.textContent || '[]');
      const res = await getVp({
        address: account, network: d.network, strategies,
        snapshot: Number(d.snapshot), space: d.space,
      });
      if (vpFor !== account) return;
      vpEl.textContent = formatPower(res.vp, d.symbol);
      if (!(Number(res.vp) > 0)) say(status, 'You have no voting power for this proposal at its snapshot.');
    } catch (err) {
      if (vpFor !== account) return;
      vpEl.textContent = 'unknown';
      say(status, `Could not load your voting power: ${err.message}`, 'error');
    }
  });

  function fillReceipt(reply) {
    const set = (key, text) => {
      const el = receipt?.querySelector(`[data-receipt="${key}"]`);
      if (el) el.textContent = text ?? '';
      return el;
    };
    set('id', reply.id);
    const link = set('ipfs', reply.ipfs);
    if (link && reply.ipfs) link.href = `/ipfs/${encodeURIComponent(reply.ipfs)}`;
    set('relayer', reply.relayer?.address);
    set('receipt', reply.relayer?.receipt);
    set('proof', 'waiting for the next pinned log head…');
    if (receipt) receipt.hidden = false;
  }

  function pollProof(id) {
    clearTimeout(pollTimer);
    const until = Date.now() + 10 * 60 * 1000;
    const proofEl = receipt?.querySelector('[data-receipt="proof"]');
    const tick = async () => {
      if (Date.now() > until || document.body.dataset.lastVote !== id) return;
      try {
        const res = await fetch(`/api/messages/${encodeURIComponent(id)}/proof`, { headers: { Accept: 'application/json' } });
        if (res.ok) {
          const p = await res.json();
          if (proofEl && document.body.dataset.lastVote === id) {
            const a = document.createElement('a');
            a.href = `/ipfs/${encodeURIComponent(p.head)}`;
            a.textContent = p.head;
            a.className = 'mono';
            proofEl.replaceChildren(`Included at position ${p.mci} under log head `, a,
              ` (pinned; ${(p.path || []).length} steps)`);
          }
          return;
        }
      } catch { /* offline for a moment: try again next tick */ }
      pollTimer = setTimeout(tick, 5000);
    };
    pollTimer = setTimeout(tick, 5000);
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const choice = readChoice();
    if (busy || closed || !currentAccount || choice === null) return;
    busy = true;
    refresh();
    try {
      const td = voteTypedData(kind, {
        space: d.space, proposal: d.proposal, choice,
        reason: form.querySelector('#vote-reason')?.value || '', app: APP, from: currentAccount,
      });
      const reply = await signAndPost(td, status);
      fillReceipt(reply);
      say(status, 'Vote accepted.', 'ok');
      submit.textContent = 'Change vote (revote)';
      closed = d.state !== 'active';
      document.body.dataset.lastVote = reply.id;
      document.dispatchEvent(new CustomEvent('votehub:voted', { detail: { id: reply.id } }));
      pollProof(reply.id);
    } catch (err) {
      say(status, describeError(err), 'error');
    } finally {
      busy = false;
      refresh();
    }
  });

  initWallet();
  refresh();
}
